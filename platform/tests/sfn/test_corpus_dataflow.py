"""Score the data-flow layer on recorded AWS executions whose state machine is only Pass states.

A Pass state is pure data flow: InputPath -> Parameters -> Result -> ResultPath -> OutputPath
(and Assign) in JSONPath mode, Output and Assign in JSONata mode. ``run_pass_chain`` runs such a
machine with nothing but this package's functions, and each corpus case must reproduce the
recorded status and output, or error and cause. The corpus is the repository's copy in
``<project root>/conformance``.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from ordermesh_platform.sfn.errors import StatesError
from ordermesh_platform.sfn.intrinsic_parser import Call, parse_intrinsic
from ordermesh_platform.sfn.jsonata_eval import render_jsonata
from ordermesh_platform.sfn.jsonpath import apply_input_path, apply_output_path, apply_result_path
from ordermesh_platform.sfn.payload import render_template
from tests.sfn.conformance import EXECUTIONS, INTRINSIC_CASES, agrees, matches
from tests.sfn.conformance_score import KNOWN_DIVERGENT

_STATE_PREFIX = "An error occurred while executing the state '{}' (entered at the event id #{}). "


def _context(execution_input: Any, state_name: str) -> dict[str, Any]:
    """A context object shaped like AWS's, filled with the recorder's placeholders."""
    return {
        "Execution": {
            "Id": "arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:"
            "<ExecArnPart_0idx>",
            "Input": execution_input,
            "StartTime": "2024-01-01T00:00:00.000Z",
            "Name": "<ExecArnPart_0idx>",
            "RoleArn": "snf_role_arn",
            "RedriveCount": 0,
        },
        "StateMachine": {
            "Id": "arn:<partition>:states:<region>:111111111111:stateMachine:<ArnPart_0idx>",
            "Name": "<ArnPart_0idx>",
        },
        "State": {"Name": state_name, "EnteredTime": "2024-01-01T00:00:00.000Z"},
    }


def _run_pass(
    state: dict[str, Any],
    state_input: Any,
    context: dict[str, Any],
    variables: dict[str, Any],
    *,
    jsonata: bool,
) -> tuple[Any, dict[str, Any]]:
    """One Pass state: returns its output and the variables it assigns."""
    rng = random.Random(0)
    if jsonata:
        states = {"input": state_input, "context": context}
        output = state_input
        if "Output" in state:
            output = render_jsonata(state["Output"], states, variables, field="Output", rng=rng)
        assigned = {}
        if "Assign" in state:
            assigned = render_jsonata(state["Assign"], states, variables, field="Assign", rng=rng)
        return output, assigned
    effective = apply_input_path(state_input, state.get("InputPath", "$"), context, variables)
    if "Parameters" in state:
        effective = render_template(state["Parameters"], effective, context, variables, rng=rng)
    result = state.get("Result", effective)
    assigned = {}
    if "Assign" in state:
        assigned = render_template(state["Assign"], result, context, variables, rng=rng)
    output = apply_result_path(state_input, result, state.get("ResultPath", "$"))
    output = apply_output_path(output, state.get("OutputPath", "$"), context, variables)
    return output, assigned


def run_pass_chain(definition: dict[str, Any], execution_input: Any) -> dict[str, Any]:
    """Run a state machine made of Pass states; returns AWS's ``expected``-shaped result."""
    top_jsonata = definition.get("QueryLanguage") == "JSONata"
    variables: dict[str, Any] = {}
    name: str | None = definition["StartAt"]
    value = execution_input
    event_id = 2
    while name is not None:
        state = definition["States"][name]
        jsonata = state.get("QueryLanguage", "JSONata" if top_jsonata else "JSONPath") == "JSONata"
        try:
            value, assigned = _run_pass(
                state, value, _context(execution_input, name), variables, jsonata=jsonata
            )
        except StatesError as err:
            cause = _STATE_PREFIX.format(name, event_id) + err.cause
            return {"status": "FAILED", "error": err.error, "cause": cause}
        variables.update(assigned)
        name = None if state.get("End") else state["Next"]
        event_id += 2
    return {"status": "SUCCEEDED", "output": value}


def _pass_only_cases() -> list[dict[str, Any]]:
    cases = json.loads(EXECUTIONS.read_text(encoding="utf-8"))
    return [
        case
        for case in cases
        if case.get("replayable_offline", True)
        and case["definition"].get("States")
        and all(state.get("Type") == "Pass" for state in case["definition"]["States"].values())
    ]


def _case_id(case: dict[str, Any]) -> str:
    test_id: str = case.get("test_id", case["id"])
    return test_id.rsplit("::", 1)[-1]


CASES = _pass_only_cases()


@pytest.mark.parametrize("case", CASES, ids=[_case_id(case) for case in CASES])
def test_pass_state_machine_matches_aws(case: dict[str, Any]) -> None:
    if case["id"] in KNOWN_DIVERGENT:
        pytest.xfail(KNOWN_DIVERGENT[case["id"]])
    actual = run_pass_chain(case["definition"], case["input"])
    assert agrees(case["expected"], actual), (
        f"expected {json.dumps(case['expected'])}\nactual   {json.dumps(actual)}"
    )


def test_matcher_treats_placeholders_as_wildcards_and_nothing_else() -> None:
    assert matches({"a": "arn:<partition>:x:<region>"}, {"a": "arn:aws:x:eu-west-1"})
    assert matches("timestamp", "2024-01-01")
    assert not matches({"a": "arn:<partition>:x"}, {"a": "arn:aws:y"})
    assert not matches({"a": 1}, {"a": True})
    assert not matches([1, 2], [1, 2, 3])
    assert not agrees({"status": "SUCCEEDED", "output": "1"}, {"status": "SUCCEEDED", "output": 2})


def test_chain_runner_reports_failures_with_the_aws_state_prefix() -> None:
    definition = {
        "StartAt": "a",
        "States": {
            "a": {"Type": "Pass", "Next": "b"},
            "b": {"Type": "Pass", "OutputPath": "$.missing", "End": True},
        },
    }
    actual = run_pass_chain(definition, {"x": 1})
    assert actual == {
        "status": "FAILED",
        "error": "States.Runtime",
        "cause": "An error occurred while executing the state 'b' (entered at the event id #4). "
        "Invalid path '$.missing' : No results for path: $['missing']",
    }


def _called_functions(call: Call) -> set[str]:
    names = {call.name}
    for arg in call.args:
        if isinstance(arg, Call):
            names |= _called_functions(arg)
    return names


def test_every_recorded_intrinsic_expression_parses() -> None:
    cases = json.loads(INTRINSIC_CASES.read_text(encoding="utf-8"))
    assert len(cases) > 100
    for case in cases:
        used: set[str] = set()
        for expression in case["expressions"]:
            used |= _called_functions(parse_intrinsic(expression))
        assert used == set(case["functions"]), case["id"]
