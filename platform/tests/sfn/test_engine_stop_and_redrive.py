"""Stopping and redriving executions on the Step Functions engine: a stop aborts, a redrive
resumes from the failed state, and a stop of an execution a worker holds is applied by
that worker."""

from __future__ import annotations

import json

import pytest
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.shared.aws import AwsError
from tests.sfn.engine_support import (
    WAIT,
    RecordingIntegrations,
    _machine,
    _types,
)


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
