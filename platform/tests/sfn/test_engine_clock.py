"""The Step Functions engine on its clock: a Wait blocks until the clock reaches its end,
Retry backs off on the clock before Catch takes over, and an execution's TimeoutSeconds
ends it timed out."""

from __future__ import annotations

import json

import pytest
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.shared.clock import ManualClock
from tests.sfn.engine_support import (
    WAIT,
    RecordingIntegrations,
    _machine,
    _types,
)


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


def test_execution_timeout_ends_it_timed_out(sfn: StepFunctions) -> None:
    definition = {**WAIT, "TimeoutSeconds": 30}
    arn = sfn.start_execution(_machine(sfn, definition))["executionArn"]
    sfn.run_until_idle(advance_clock=True)
    described = sfn.describe_execution(arn)
    assert (described["status"], described["error"]) == ("TIMED_OUT", "States.Timeout")
    assert _types(sfn, arn) == ["ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"]
    assert described["redriveStatus"] == "REDRIVABLE"
