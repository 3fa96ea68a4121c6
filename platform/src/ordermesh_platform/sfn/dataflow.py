"""A state's data flow, in both query languages, and the context object it reads.

JSONPath: ``InputPath`` then ``Parameters`` (``effective_input``); the result through
``ResultSelector``, ``Assign``, ``ResultPath`` and ``OutputPath`` (``state_output``). JSONata:
``Arguments`` (``effective_input``); ``Output`` and ``Assign`` over ``$states`` (``state_output``).
A field with a ``Path`` form (``SecondsPath``, ``TimeoutSecondsPath``...) is read by
``field_value``. A failure raises ``StateFailure`` with AWS's cause prefix (``step.fail_data``).

The paths, templates and expressions themselves are evaluated by ``jsonpath``, ``payload`` and
``jsonata_eval``; this module applies them in AWS's order, to a frame of an ``Execution``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ordermesh_platform.sfn.errors import StatesError
from ordermesh_platform.sfn.jsonata_eval import is_jsonata_expression, render_jsonata
from ordermesh_platform.sfn.jsonpath import apply_input_path, apply_output_path, apply_result_path
from ordermesh_platform.sfn.payload import evaluate_field, render_template
from ordermesh_platform.sfn.step import Frame, fail_data

if TYPE_CHECKING:
    from ordermesh_platform.sfn.interpreter import Execution

# The states that can retry: only their context object has State.RetryCount.
RETRYING_TYPES = frozenset({"Task", "Parallel", "Map"})


def iso_millis(epoch: float) -> str:
    """``2024-01-01T00:00:00.000Z``: the context object's timestamps."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _entered_iso(frame: dict[str, Any]) -> str:
    """The frame's ``$$.State.EnteredTime``, formatted once per state."""
    cached = frame.get("entered_iso")
    if cached is None or cached[0] != frame["entered_time"]:
        cached = (frame["entered_time"], iso_millis(frame["entered_time"]))
        frame["entered_iso"] = cached
    text: str = cached[1]
    return text


def is_jsonata(execution: Execution, state: dict[str, Any]) -> bool:
    """Does the state use JSONata (its own ``QueryLanguage``, else the definition's)?"""
    language = state.get("QueryLanguage") or execution.definition.get("QueryLanguage", "JSONPath")
    return bool(language == "JSONata")


def context_object(execution: Execution, frame: Frame) -> dict[str, Any]:
    """``$$`` (JSONPath) or ``$states.context`` (JSONata) for the frame's state."""
    context: dict[str, Any] = {
        "Execution": execution.context_base["Execution"],
        "StateMachine": execution.context_base["StateMachine"],
        "State": {
            "Name": frame["state"],
            "EnteredTime": _entered_iso(frame),
        },
    }
    if execution.state_of(frame)["Type"] in RETRYING_TYPES:
        context["State"]["RetryCount"] = frame["retry_count"]
    if frame.get("token"):
        context["Task"] = {"Token": frame["token"]}
    if frame.get("item") is not None:
        context["Map"] = {"Item": frame["item"]}
    return context


def states_binding(execution: Execution, frame: Frame, **extra: Any) -> dict[str, Any]:
    """JSONata's ``$states``: the state input, the context object and ``extra``."""
    binding = {"input": frame["input"], "context": context_object(execution, frame)}
    binding.update(extra)
    return binding


def run_jsonpath(frame: Frame, fn: Callable[[], Any]) -> Any:
    """``fn()``, a JSONPath step of the frame's state: its ``StatesError`` fails the state."""
    try:
        return fn()
    except StatesError as err:
        raise fail_data(frame, err) from None


def eval_jsonata(
    execution: Execution, frame: Frame, template: Any, field: str, binding: dict[str, Any]
) -> Any:
    """A JSONata field (``template``, a value with ``{% %}`` expressions) of the frame's state."""
    try:
        return render_jsonata(template, binding, frame["vars"], field=field, rng=execution.rng)
    except StatesError as err:
        raise fail_data(frame, err, err.location or field.split("/", 1)[0]) from None


def assign_jsonpath(
    execution: Execution,
    frame: Frame,
    holder: dict[str, Any],
    data: Any,
    context: dict[str, Any],
) -> dict[str, Any]:
    """The variables ``holder``'s JSONPath ``Assign`` (if any) sets, evaluated on ``data``."""
    if "Assign" not in holder:
        return {}
    template = holder["Assign"]
    assigned: dict[str, Any] = run_jsonpath(
        frame,
        lambda: render_template(template, data, context, frame["vars"], rng=execution.rng),
    )
    return assigned


def effective_input(
    execution: Execution, frame: Frame, state: dict[str, Any], template_key: str
) -> Any:
    """JSONPath: InputPath then Parameters (or ItemSelector); JSONata: Arguments."""
    if is_jsonata(execution, state):
        if "Arguments" in state and template_key in {"Parameters", "Arguments"}:
            return eval_jsonata(
                execution,
                frame,
                state["Arguments"],
                "Arguments",
                states_binding(execution, frame),
            )
        return frame["input"]
    context = context_object(execution, frame)
    effective = run_jsonpath(
        frame,
        lambda: apply_input_path(
            frame["input"], state.get("InputPath", "$"), context, frame["vars"]
        ),
    )
    if template_key in state:
        template = state[template_key]
        effective = run_jsonpath(
            frame,
            lambda: render_template(template, effective, context, frame["vars"], rng=execution.rng),
        )
    return effective


def state_output(
    execution: Execution,
    frame: Frame,
    state: dict[str, Any],
    result: Any,
    *,
    result_key: str | None = "ResultPath",
    extra: dict[str, Any] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """The state output and the variables it assigns, from its ``result``."""
    if is_jsonata(execution, state):
        binding = states_binding(execution, frame, result=result, **(extra or {}))
        return jsonata_output(execution, frame, state, result, binding)
    context = context_object(execution, frame)
    if "ResultSelector" in state:
        selector = state["ResultSelector"]
        result = run_jsonpath(
            frame,
            lambda: render_template(selector, result, context, frame["vars"], rng=execution.rng),
        )
    assigned = assign_jsonpath(execution, frame, state, result, context)
    output = result
    if result_key is not None:
        output = run_jsonpath(
            frame,
            lambda: apply_result_path(frame["input"], result, state.get(result_key, "$")),
        )
    output = run_jsonpath(
        frame,
        lambda: apply_output_path(output, state.get("OutputPath", "$"), context, frame["vars"]),
    )
    return output, assigned


def jsonata_output(
    execution: Execution, frame: Frame, holder: dict[str, Any], output: Any, binding: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """JSONata: ``holder``'s ``Output`` (else ``output``) and the variables its ``Assign`` sets."""
    if "Output" in holder:
        output = eval_jsonata(execution, frame, holder["Output"], "Output", binding)
    assigned = {}
    if "Assign" in holder:
        assigned = eval_jsonata(execution, frame, holder["Assign"], "Assign", binding)
    return output, assigned


def field_value(
    execution: Execution, frame: Frame, state: dict[str, Any], name: str, data: Any
) -> Any:
    """A field with a ``Path`` form (``Seconds``/``SecondsPath``...); None when absent."""
    if is_jsonata(execution, state):
        if name not in state:
            return None
        value = state[name]
        if is_jsonata_expression(value):
            return eval_jsonata(execution, frame, value, name, states_binding(execution, frame))
        return value
    if name in state:
        return state[name]
    path_key = f"{name}Path"
    if path_key in state:
        path = state[path_key]
        context = context_object(execution, frame)
        try:
            return evaluate_field(path_key, path, data, context, frame["vars"], rng=execution.rng)
        except StatesError as err:
            raise fail_data(frame, err) from None
    return None
