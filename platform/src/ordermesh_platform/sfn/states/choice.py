"""Choice: the first rule that holds names the next state, else ``Default``.

JSONPath: each rule of ``Choices`` is evaluated on the effective input (after InputPath) by
``sfn.choice.evaluate_rule``; the output is the effective input through OutputPath. JSONata:
each rule's ``Condition`` (a boolean, or an expression that must give one); the output is the
rule's ``Output``, else the state's, else the input. The rule that holds sets its ``Assign``
variables (the state's, when Default is taken). No rule holds and no Default:
``States.NoChoiceMatched``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from ordermesh_platform.sfn.choice import PathMissingError, evaluate_rule
from ordermesh_platform.sfn.dataflow import (
    assign_jsonpath,
    context_object,
    effective_input,
    eval_jsonata,
    is_jsonata,
    run_jsonpath,
    states_binding,
)
from ordermesh_platform.sfn.errors import (
    STATES_NO_CHOICE,
    STATES_QUERY_EVALUATION_ERROR,
    StatesError,
)
from ordermesh_platform.sfn.jsonata_eval import evaluate_expression, is_jsonata_expression
from ordermesh_platform.sfn.jsonpath import JsonPathNotFoundError, apply_output_path, resolve_path
from ordermesh_platform.sfn.step import Frame, StateFailure, fail_data

if TYPE_CHECKING:
    from ordermesh_platform.sfn.interpreter import Execution


def run(execution: Execution, frame: Frame, state: dict[str, Any]) -> str:
    if is_jsonata(execution, state):
        return _run_jsonata(execution, frame, state)
    effective = effective_input(execution, frame, state, "-")
    context = context_object(execution, frame)

    def resolve(path: str) -> Any:
        try:
            return resolve_path(path, effective, context, frame["vars"])
        except JsonPathNotFoundError:
            raise PathMissingError(path) from None

    for rule in state["Choices"]:
        holds = run_jsonpath(frame, partial(evaluate_rule, rule, resolve))
        if holds:
            return _choose(execution, frame, state, rule, rule["Next"], effective=effective)
    return _choose(execution, frame, state, state, state.get("Default"), effective=effective)


def _run_jsonata(execution: Execution, frame: Frame, state: dict[str, Any]) -> str:
    binding = states_binding(execution, frame)
    for index, rule in enumerate(state["Choices"]):
        field = f"Choices[{index}].Condition"
        condition = rule["Condition"]
        holds = condition  # a literal boolean is its own value
        if is_jsonata_expression(condition):
            condition = condition[2:-2].strip()
            try:
                holds = evaluate_expression(
                    condition, binding, frame["vars"], field=field, rng=execution.rng
                )
            except StatesError as err:
                raise fail_data(frame, err, "Condition") from None
        if not isinstance(holds, bool):
            raise fail_data(
                frame,
                StatesError(
                    STATES_QUERY_EVALUATION_ERROR,
                    f"The Condition expression '{condition}' specified for the "
                    f"field '{field}' returned a non-boolean result.",
                ),
                "Condition",
            )
        if holds:
            return _choose(execution, frame, state, rule, rule["Next"])
    return _choose(execution, frame, state, state, state.get("Default"))


def _choose(
    execution: Execution,
    frame: Frame,
    state: dict[str, Any],
    rule: dict[str, Any],
    following: str | None,
    *,
    effective: Any = None,
) -> str:
    if following is None:
        raise StateFailure(STATES_NO_CHOICE, f"No Matches! for state '{frame['state']}'")
    if is_jsonata(execution, state):
        binding = states_binding(execution, frame)
        output = frame["input"]
        output_source = rule if "Output" in rule else state
        if "Output" in output_source:
            output = eval_jsonata(execution, frame, output_source["Output"], "Output", binding)
        assigned = {}
        if "Assign" in rule:
            assigned = eval_jsonata(execution, frame, rule["Assign"], "Assign", binding)
        return execution.exit_state(frame, state, output, assigned, next_state=following)
    context = context_object(execution, frame)
    assigned = assign_jsonpath(execution, frame, rule, effective, context)
    output = run_jsonpath(
        frame,
        lambda: apply_output_path(effective, state.get("OutputPath", "$"), context, frame["vars"]),
    )
    return execution.exit_state(frame, state, output, assigned, next_state=following)
