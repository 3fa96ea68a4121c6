"""The Step Functions engine's task tokens: success and failure sent with a token and AWS's
token errors, a token task timing out (late replies are told so), and heartbeats."""

from __future__ import annotations

import json

import pytest
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.shared.aws import AwsError
from ordermesh_platform.shared.clock import ManualClock
from tests.sfn.engine_support import (
    TOKEN,
    RecordingIntegrations,
    _machine,
    _types,
)


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
