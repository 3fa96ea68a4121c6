"""The Step Functions engine's calls to local Lambda functions: results and errors, a call
longer than TimeoutSeconds, and calls under way at once (a slow function holds no other
execution back, Map iterations call concurrently, a timeout ends a call under way)."""

from __future__ import annotations

import json
import threading
from typing import Any

from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.sfn_integrations import LocalIntegrations
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.shared.clock import ManualClock, SystemClock
from ordermesh_platform.shared.store import Store
from tests.sfn.engine_support import (
    _machine,
    _types,
)


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
