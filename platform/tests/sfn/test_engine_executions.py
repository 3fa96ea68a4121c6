"""The Step Functions engine's executions as the API shows them: running one to success
with AWS's history, idempotent starts, AWS errors for bad requests, listing and paging
executions and history, and express machines run synchronously without history."""

from __future__ import annotations

import json

import pytest
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.shared.aws import AwsError
from tests.sfn.engine_support import (
    PASS_CHAIN,
    WAIT,
    _machine,
    _types,
)


def test_execution_runs_to_success_with_aws_history(sfn: StepFunctions) -> None:
    machine = _machine(sfn, PASS_CHAIN)
    arn = sfn.start_execution(machine, name="e1", input='{"x": 1}')["executionArn"]
    assert arn == "arn:aws:states:us-east-1:000000000000:execution:m:e1"
    assert sfn.describe_execution(arn)["status"] == "RUNNING"
    sfn.run_until_idle()
    described = sfn.describe_execution(arn)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"x": 1, "a": {"n": 1}}
    assert _types(sfn, arn) == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    events = sfn.get_execution_history(arn)["events"]
    assert events[0]["executionStartedEventDetails"]["input"] == '{"x":1}'
    assert [e["id"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert [e["previousEventId"] for e in events] == [0, 0, 2, 3, 4, 5]


def test_start_is_idempotent_only_for_a_running_execution_with_the_same_input(
    sfn: StepFunctions,
) -> None:
    machine = _machine(sfn, WAIT)
    first = sfn.start_execution(machine, name="same", input='{"a":1}')
    assert sfn.start_execution(machine, name="same", input='{"a":1}') == first
    with pytest.raises(AwsError) as other_input:
        sfn.start_execution(machine, name="same", input='{"a":2}')
    assert other_input.value.code == "ExecutionAlreadyExists"
    sfn.stop_execution(first["executionArn"])
    with pytest.raises(AwsError) as closed:
        sfn.start_execution(machine, name="same", input='{"a":1}')
    assert closed.value.code == "ExecutionAlreadyExists"


def test_bad_requests_get_aws_errors(sfn: StepFunctions) -> None:
    machine = _machine(sfn, PASS_CHAIN)
    cases = [
        (lambda: sfn.start_execution(machine, input="{not json"), "InvalidExecutionInput"),
        (lambda: sfn.start_execution(machine, name="bad name!"), "InvalidName"),
        (lambda: sfn.start_execution(machine + "x"), "StateMachineDoesNotExist"),
        (
            lambda: sfn.describe_execution(machine.replace("stateMachine", "execution") + ":n"),
            "ExecutionDoesNotExist",
        ),
        (
            lambda: sfn.create_state_machine("x", '{"StartAt": "Nope", "States": {}}'),
            "InvalidDefinition",
        ),
        (lambda: sfn.create_state_machine("m", json.dumps(WAIT)), "StateMachineAlreadyExists"),
        (lambda: sfn.list_executions(machine, next_token="garbage!"), "InvalidToken"),
    ]
    for call, code in cases:
        with pytest.raises(AwsError) as error:
            call()
        assert error.value.code == code


def test_list_executions_filters_and_pages_newest_first(sfn: StepFunctions) -> None:
    machine = _machine(sfn, WAIT)
    names = [f"e{i}" for i in range(5)]
    for name in names:
        sfn.start_execution(machine, name=name)
    sfn.stop_execution(f"{machine.replace('stateMachine', 'execution')}:e1")
    page = sfn.list_executions(machine, max_results=2)
    assert [e["name"] for e in page["executions"]] == ["e4", "e3"]
    rest = sfn.list_executions(machine, max_results=10, next_token=page["nextToken"])
    assert [e["name"] for e in rest["executions"]] == ["e2", "e1", "e0"]
    assert "nextToken" not in rest
    aborted = sfn.list_executions(machine, status_filter="ABORTED")["executions"]
    assert [e["name"] for e in aborted] == ["e1"]


def test_history_pages_in_reverse(sfn: StepFunctions) -> None:
    machine = _machine(sfn, PASS_CHAIN)
    arn = sfn.start_execution(machine)["executionArn"]
    sfn.run_until_idle()
    first = sfn.get_execution_history(arn, max_results=4, reverse_order=True)
    assert [e["id"] for e in first["events"]] == [6, 5, 4, 3]
    second = sfn.get_execution_history(
        arn, max_results=4, reverse_order=True, next_token=first["nextToken"]
    )
    assert [e["id"] for e in second["events"]] == [2, 1]


def test_pages_are_stable_when_executions_start_between_them(sfn: StepFunctions) -> None:
    machine = _machine(sfn, WAIT)
    for name in ("a", "b", "c"):
        sfn.start_execution(machine, name=name)
    first = sfn.list_executions(machine, max_results=2)
    sfn.start_execution(machine, name="d")
    rest = sfn.list_executions(machine, next_token=first["nextToken"])
    assert [e["name"] for e in first["executions"] + rest["executions"]] == ["c", "b", "a"]
    with pytest.raises(AwsError) as other_listing:
        sfn.list_executions(machine, status_filter="RUNNING", next_token=first["nextToken"])
    assert other_listing.value.code == "InvalidToken"


def test_express_runs_synchronously_without_history(sfn: StepFunctions) -> None:
    arn = sfn.create_state_machine("x", json.dumps(PASS_CHAIN), type="EXPRESS")["stateMachineArn"]
    result = sfn.start_sync_execution(arn, input='{"x": 2}')
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"x": 2, "a": {"n": 1}}
    with pytest.raises(AwsError) as history:
        sfn.get_execution_history(result["executionArn"])
    assert history.value.code == "StateMachineTypeNotSupported"
    with pytest.raises(AwsError) as standard:
        sfn.start_sync_execution(_machine(sfn, PASS_CHAIN))
    assert standard.value.code == "StateMachineTypeNotSupported"
