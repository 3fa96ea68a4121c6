"""The Step Functions service on SQLite: executions, history, task tokens, time and restarts."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.sfn_integrations import LocalIntegrations
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.sfn.errors import StatesError
from ordermesh_platform.sfn.interpreter import TaskRequest
from ordermesh_platform.shared.aws import AwsError
from ordermesh_platform.shared.clock import ManualClock, SystemClock
from ordermesh_platform.shared.store import Store

PASS_CHAIN = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Pass", "End": True},
    },
}
WAIT = {
    "StartAt": "Wait",
    "States": {
        "Wait": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
        "Done": {"Type": "Pass", "Result": "waited", "End": True},
    },
}
TOKEN = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::events:putEvents.waitForTaskToken",
            "Parameters": {
                "Entries": [
                    {
                        "Source": "test",
                        "DetailType": "Ask",
                        "Detail": {"token.$": "$$.Task.Token", "order.$": "$.order"},
                    }
                ]
            },
            "TimeoutSeconds": 300,
            "ResultPath": "$.reply",
            "End": True,
        }
    },
}


class RecordingIntegrations:
    """Records every Task call; fails the ones whose action is in ``failing``."""

    def __init__(self) -> None:
        self.requests: list[TaskRequest] = []
        self.failing: set[str] = set()

    def call(self, request: TaskRequest) -> Any:
        self.requests.append(request)
        if request.action in self.failing:
            raise StatesError("Boom", "it failed")
        return {"Entries": [{"EventId": "1"}], "FailedEntryCount": 0}

    def tokens(self) -> list[str]:
        return [r.parameters["Entries"][0]["Detail"]["token"] for r in self.requests]


@pytest.fixture
def calls() -> RecordingIntegrations:
    return RecordingIntegrations()


@pytest.fixture
def sfn(store: Store, clock: ManualClock, calls: RecordingIntegrations) -> StepFunctions:
    return StepFunctions(store, clock, calls)


def _machine(sfn: StepFunctions, definition: dict[str, Any], name: str = "m") -> str:
    arn: str = sfn.create_state_machine(name, json.dumps(definition))["stateMachineArn"]
    return arn


def _types(sfn: StepFunctions, arn: str) -> list[str]:
    return [e["type"] for e in sfn.get_execution_history(arn, max_results=1000)["events"]]


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


def test_wait_blocks_until_the_clock_reaches_its_end(
    sfn: StepFunctions, clock: ManualClock
) -> None:
    machine = _machine(sfn, WAIT)
    arn = sfn.start_execution(machine)["executionArn"]
    sfn.run_until_idle()
    assert sfn.describe_execution(arn)["status"] == "RUNNING"
    assert sfn.next_due() == pytest.approx(clock.now() + 60)
    clock.advance(59)
    sfn.run_until_idle()
    assert sfn.describe_execution(arn)["status"] == "RUNNING"
    clock.advance(1)
    sfn.run_until_idle()
    assert sfn.describe_execution(arn)["status"] == "SUCCEEDED"
    assert _types(sfn, arn)[1:4] == ["WaitStateEntered", "WaitStateExited", "PassStateEntered"]


def test_task_token_success_failure_and_aws_token_errors(
    sfn: StepFunctions, calls: RecordingIntegrations
) -> None:
    machine = _machine(sfn, TOKEN)
    ok = sfn.start_execution(machine, name="ok", input='{"order": "o-1"}')["executionArn"]
    bad = sfn.start_execution(machine, name="bad", input='{"order": "o-2"}')["executionArn"]
    sfn.run_until_idle()
    token_ok, token_bad = calls.tokens()
    assert calls.requests[0].parameters["Entries"][0]["Detail"]["order"] == "o-1"
    sfn.send_task_heartbeat(token_ok)
    sfn.send_task_success(token_ok, '{"reserved": true}')
    sfn.send_task_failure(token_bad, error="Rejected", cause="out of stock")
    sfn.run_until_idle()
    assert json.loads(sfn.describe_execution(ok)["output"]) == {
        "order": "o-1",
        "reply": {"reserved": True},
    }
    failed = sfn.describe_execution(bad)
    assert (failed["status"], failed["error"], failed["cause"]) == (
        "FAILED",
        "Rejected",
        "out of stock",
    )
    assert _types(sfn, ok) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    with pytest.raises(AwsError) as again:
        sfn.send_task_success(token_ok, "{}")
    assert again.value.code == "TaskDoesNotExist"
    with pytest.raises(AwsError) as malformed:
        sfn.send_task_success("not-a-token", "{}")
    assert malformed.value.code == "InvalidToken"
    with pytest.raises(AwsError) as bad_output:
        sfn.send_task_success(token_ok, "{oops")
    assert bad_output.value.code == "InvalidOutput"


def test_token_task_times_out_and_late_replies_are_told_so(
    sfn: StepFunctions, clock: ManualClock, calls: RecordingIntegrations
) -> None:
    machine = _machine(sfn, TOKEN)
    arn = sfn.start_execution(machine, input='{"order": "o"}')["executionArn"]
    sfn.run_until_idle(advance_clock=True)
    described = sfn.describe_execution(arn)
    assert (described["status"], described["error"]) == ("FAILED", "States.Timeout")
    assert "TaskTimedOut" in _types(sfn, arn)
    assert clock.now() >= described["startDate"] + 300
    with pytest.raises(AwsError) as late:
        sfn.send_task_success(calls.tokens()[0], "{}")
    assert late.value.code == "TaskTimedOut"


def test_heartbeats_keep_a_task_alive_and_their_absence_times_it_out(
    sfn: StepFunctions, clock: ManualClock, calls: RecordingIntegrations
) -> None:
    definition = json.loads(json.dumps(TOKEN))
    definition["States"]["Ask"]["HeartbeatSeconds"] = 10
    machine = _machine(sfn, definition)
    arn = sfn.start_execution(machine, input='{"order": "o"}')["executionArn"]
    sfn.run_until_idle()
    for _ in range(3):
        clock.advance(8)
        sfn.send_task_heartbeat(calls.tokens()[0])
        sfn.run_until_idle()
    assert sfn.describe_execution(arn)["status"] == "RUNNING"
    clock.advance(10)
    sfn.run_until_idle()
    assert sfn.describe_execution(arn)["error"] == "States.HeartbeatTimeout"


def test_retry_backs_off_on_the_clock_then_catch_takes_over(
    sfn: StepFunctions, clock: ManualClock, calls: RecordingIntegrations
) -> None:
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": "q", "MessageBody": "x"},
                "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "MaxAttempts": 2}],
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Fallback"}
                ],
                "End": True,
            },
            "Fallback": {"Type": "Pass", "End": True},
        },
    }
    calls.failing.add("sendMessage")
    machine = _machine(sfn, definition)
    started = clock.now()
    arn = sfn.start_execution(machine)["executionArn"]
    sfn.run_until_idle(advance_clock=True)
    described = sfn.describe_execution(arn)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"error": {"Error": "Boom", "Cause": "it failed"}}
    assert len(calls.requests) == 3
    assert clock.now() - started == pytest.approx(2 + 4)  # IntervalSeconds * BackoffRate ** n
    assert _types(sfn, arn).count("TaskFailed") == 3


def test_executions_survive_a_restart_and_old_tokens_still_work(
    tmp_path: Path, clock: ManualClock, calls: RecordingIntegrations
) -> None:
    path = tmp_path / "state" / "runtime.sqlite3"
    first = StepFunctions(Store(path), clock, calls)
    machine = _machine(first, TOKEN)
    waiting = first.start_execution(machine, name="w", input='{"order": "o"}')["executionArn"]
    timer = _machine(first, WAIT, name="timer")
    sleeping = first.start_execution(timer, name="s")["executionArn"]
    first.run_until_idle()
    first.store.close()

    second = StepFunctions(Store(path), clock, RecordingIntegrations())
    second.recover()
    second.send_task_success(calls.tokens()[0], '"done"')
    clock.advance(60)
    second.run_until_idle()
    assert second.describe_execution(waiting)["status"] == "SUCCEEDED"
    assert second.describe_execution(sleeping)["status"] == "SUCCEEDED"
    assert _types(second, waiting).count("ExecutionStarted") == 1


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


def test_stop_aborts_and_redrive_resumes_from_the_failed_state(
    sfn: StepFunctions, calls: RecordingIntegrations
) -> None:
    definition = {
        "StartAt": "First",
        "States": {
            "First": {"Type": "Pass", "Result": 1, "ResultPath": "$.first", "Next": "Call"},
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": "q", "MessageBody": "x"},
                "ResultPath": None,
                "End": True,
            },
        },
    }
    calls.failing.add("sendMessage")
    machine = _machine(sfn, definition)
    arn = sfn.start_execution(machine)["executionArn"]
    sfn.run_until_idle()
    failed = sfn.describe_execution(arn)
    assert (failed["status"], failed["redriveStatus"]) == ("FAILED", "REDRIVABLE")
    calls.failing.clear()
    sfn.redrive_execution(arn)
    sfn.run_until_idle()
    redriven = sfn.describe_execution(arn)
    assert (redriven["status"], redriven["redriveCount"]) == ("SUCCEEDED", 1)
    assert json.loads(redriven["output"]) == {"first": 1}
    types = _types(sfn, arn)
    assert types.count("PassStateEntered") == 1, "the states before the failure do not run again"
    assert types[types.index("ExecutionRedriven") + 1] == "TaskStateEntered"
    with pytest.raises(AwsError) as again:
        sfn.redrive_execution(arn)
    assert again.value.code == "ExecutionNotRedrivable"

    waiting = sfn.start_execution(_machine(sfn, WAIT, "w"))["executionArn"]
    sfn.run_until_idle()
    sfn.stop_execution(waiting, error="Stopped", cause="by test")
    stopped = sfn.describe_execution(waiting)
    assert (stopped["status"], stopped["error"]) == ("ABORTED", "Stopped")
    assert _types(sfn, waiting)[-1] == "ExecutionAborted"


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


def test_lambda_invoke_calls_local_functions(
    store: Store, clock: ManualClock, functions: Functions
) -> None:
    functions.register(
        "double", FunctionSettings(handler="x:y"), lambda event, _c: {"n": event["n"] * 2}
    )

    def boom(_event: Any, _context: Any) -> None:
        message = "no stock"
        raise ValueError(message)

    functions.register("boom", FunctionSettings(handler="x:y"), boom)
    sfn = StepFunctions(store, clock, LocalIntegrations(functions=functions))
    definition = {
        "StartAt": "Optimized",
        "States": {
            "Optimized": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "double", "Payload.$": "$"},
                "ResultSelector": {"n.$": "$.Payload.n"},
                "Next": "Plain",
            },
            "Plain": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:000000000000:function:double",
                "Next": "Failing",
            },
            "Failing": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "boom", "Payload": {}},
                "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.error", "Next": "End"}],
                "End": True,
            },
            "End": {"Type": "Pass", "End": True},
        },
    }
    machine = _machine(sfn, definition)
    arn = sfn.start_execution(machine, input='{"n": 3}')["executionArn"]
    sfn.run_until_idle()
    output = json.loads(sfn.describe_execution(arn)["output"])
    assert output["n"] == 12
    assert output["error"]["Error"] == "ValueError"
    assert json.loads(output["error"]["Cause"])["errorMessage"] == "no stock"
    types = _types(sfn, arn)
    assert "LambdaFunctionScheduled" in types
    assert "LambdaFunctionSucceeded" in types
    assert types.count("TaskSucceeded") == 1


def test_execution_timeout_ends_it_timed_out(sfn: StepFunctions) -> None:
    definition = {**WAIT, "TimeoutSeconds": 30}
    arn = sfn.start_execution(_machine(sfn, definition))["executionArn"]
    sfn.run_until_idle(advance_clock=True)
    described = sfn.describe_execution(arn)
    assert (described["status"], described["error"]) == ("TIMED_OUT", "States.Timeout")
    assert _types(sfn, arn) == ["ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"]
    assert described["redriveStatus"] == "REDRIVABLE"


def test_a_call_longer_than_timeout_seconds_is_a_states_timeout(
    store: Store, clock: ManualClock, functions: Functions
) -> None:
    functions.register("slow", FunctionSettings(handler="x:y"), lambda _e, _c: clock.advance(5))
    sfn = StepFunctions(store, clock, LocalIntegrations(functions=functions))
    definition = {
        "StartAt": "Slow",
        "States": {
            "Slow": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "slow", "Payload": {}},
                "TimeoutSeconds": 2,
                "End": True,
            }
        },
    }
    arn = sfn.start_execution(_machine(sfn, definition))["executionArn"]
    sfn.run_until_idle()
    assert sfn.describe_execution(arn)["error"] == "States.Timeout"
    assert "TaskTimedOut" in _types(sfn, arn)


def _lambda_task(function: str, **fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function, "Payload.$": "$"},
        "ResultSelector": {"value.$": "$.Payload"},
        **fields,
    }


def test_a_slow_function_does_not_hold_back_other_executions(
    store: Store, clock: ManualClock, functions: Functions
) -> None:
    """The waiting function returns only once the other execution's function ran: the engine
    must not wait for one call before making the other (a sequential engine times it out)."""
    answered = threading.Event()

    def waiting(_event: Any, _context: Any) -> str:
        assert answered.wait(10), "the other execution's call was never made"
        return "after"

    def answering(_event: Any, _context: Any) -> str:
        answered.set()
        return "answered"

    functions.register("waiting", FunctionSettings(handler="x:y", timeout=5), waiting)
    functions.register("answering", FunctionSettings(handler="x:y", timeout=5), answering)
    sfn = StepFunctions(store, clock, LocalIntegrations(functions=functions))
    first = _machine(sfn, {"StartAt": "T", "States": {"T": _lambda_task("waiting", End=True)}})
    second = _machine(
        sfn,
        {
            "StartAt": "Pause",
            "States": {
                "Pause": {"Type": "Pass", "Next": "T"},  # calls after the first one started
                "T": _lambda_task("answering", End=True),
            },
        },
        name="second",
    )
    arns = [sfn.start_execution(machine)["executionArn"] for machine in (first, second)]
    sfn.run_until_idle()
    outputs = [json.loads(sfn.describe_execution(arn)["output"]) for arn in arns]
    assert outputs == [{"value": "after"}, {"value": "answered"}]
    assert _types(sfn, arns[0]) == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]


def test_map_iterations_call_their_functions_concurrently(
    store: Store, clock: ManualClock, functions: Functions
) -> None:
    barrier = threading.Barrier(3, timeout=10)

    def meet(event: Any, _context: Any) -> int:
        barrier.wait()  # breaks (and the call fails) unless all three calls are under way
        return int(event) * 10

    functions.register("meet", FunctionSettings(handler="x:y", timeout=5, concurrency=3), meet)
    sfn = StepFunctions(store, clock, LocalIntegrations(functions=functions))
    iteration = {"StartAt": "Call", "States": {"Call": _lambda_task("meet", End=True)}}
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, **iteration},
                "End": True,
            }
        },
    }
    arn = sfn.start_execution(_machine(sfn, definition), input="[1, 2, 3]")["executionArn"]
    sfn.run_until_idle()
    described = sfn.describe_execution(arn)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == [{"value": 10}, {"value": 20}, {"value": 30}]


def test_timeout_seconds_ends_a_call_still_under_way(store: Store, functions: Functions) -> None:
    release = threading.Event()
    functions.register(
        "stuck", FunctionSettings(handler="x:y", timeout=30), lambda _e, _c: release.wait(30)
    )
    sfn = StepFunctions(store, SystemClock(), LocalIntegrations(functions=functions))
    definition = {
        "StartAt": "Stuck",
        "States": {"Stuck": _lambda_task("stuck", TimeoutSeconds=1, End=True)},
    }
    try:
        arn = sfn.start_execution(_machine(sfn, definition))["executionArn"]
        sfn.run_until_idle()
        described = sfn.describe_execution(arn)
        assert (described["status"], described["error"]) == ("FAILED", "States.Timeout")
        assert _types(sfn, arn)[-3:] == ["TaskStarted", "TaskTimedOut", "ExecutionFailed"]
        assert not release.is_set()  # ended by the state's timeout, not by the function
    finally:
        release.set()


def test_stopping_an_execution_a_worker_holds_is_applied_by_that_worker(
    sfn: StepFunctions,
) -> None:
    arn = sfn.start_execution(_machine(sfn, WAIT))["executionArn"]
    assert [row["arn"] for row in sfn.worker._claim(10)] == [arn]  # a worker holds it
    sfn.stop_execution(arn, error="Stop", cause="now")
    assert sfn.describe_execution(arn)["status"] == "RUNNING"
    sfn._run(arn)
    described = sfn.describe_execution(arn)
    assert (described["status"], described["error"]) == ("ABORTED", "Stop")
    assert _types(sfn, arn) == ["ExecutionStarted", "ExecutionAborted"]


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


def test_an_execution_the_engine_cannot_run_fails_after_a_few_tries(
    sfn: StepFunctions, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = sfn.start_execution(_machine(sfn, PASS_CHAIN))["executionArn"]

    def broken(_run: object) -> None:
        message = "disk on fire"
        raise RuntimeError(message)

    monkeypatch.setattr(sfn.worker, "_advance", broken)
    for _ in range(10):
        sfn.run_due()
        clock.advance(1)
    described = sfn.describe_execution(arn)
    assert (described["status"], described["error"]) == ("FAILED", "States.Runtime")
    assert "disk on fire" in described["cause"]
    assert _types(sfn, arn)[-1] == "ExecutionFailed"


_EXECUTIONS_BEFORE_DEFINITIONS_TABLE = """
CREATE TABLE sfn_executions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, arn TEXT NOT NULL UNIQUE,
    state_machine_arn TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
    status TEXT NOT NULL, input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
    start_date REAL NOT NULL, stop_date REAL, definition TEXT NOT NULL, role_arn TEXT NOT NULL,
    snapshot TEXT, next_at REAL, lease_until REAL, redrive_count INTEGER NOT NULL DEFAULT 0,
    redrive_date REAL
)
"""


def test_a_store_from_before_the_definitions_table_is_migrated(
    tmp_path: Path, clock: ManualClock
) -> None:
    """Executions stored when each row held its definition run on after the upgrade."""
    current = Store(tmp_path / "current.sqlite3")
    sfn = StepFunctions(current, clock)
    arn = sfn.start_execution(_machine(sfn, WAIT), name="parked")["executionArn"]
    sfn.run_until_idle()
    row = dict(current.connection().execute("SELECT * FROM sfn_executions").fetchone())
    row["definition"] = json.dumps(WAIT)
    del row["definition_id"]
    current.close()

    old = Store(tmp_path / "old.sqlite3")
    with old.write() as conn:
        conn.execute(_EXECUTIONS_BEFORE_DEFINITIONS_TABLE)
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        insert = f"INSERT INTO sfn_executions ({columns}) VALUES ({marks})"  # noqa: S608
        conn.execute(insert, tuple(row.values()))
    upgraded = StepFunctions(old, clock)
    columns_now = {r["name"] for r in old.connection().execute("PRAGMA table_info(sfn_executions)")}
    assert "definition_id" in columns_now
    assert "definition" not in columns_now
    clock.advance(60)
    upgraded.run_until_idle()
    described = upgraded.describe_execution(arn)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", "waited")
    StepFunctions(old, clock)  # opening a migrated store again changes nothing
    old.close()
