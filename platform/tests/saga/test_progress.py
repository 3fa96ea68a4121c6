"""A saga's view (``saga.progress``) read from DescribeExecution's answer and a history shaped
as GetExecutionHistory returns it: steps and compensations with their times, attempts, status
and error, the current step while running, the execution's error; and ``summary`` for a list
line. Timestamps come as boto3's datetimes or as the wire's epoch seconds."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from ordermesh_platform.saga.progress import saga_view, summary, timestamp

ORDER = "ord_01JD7Q4K2M9T"
ARN = f"arn:aws:states:eu-west-1:123456789012:execution:order-saga:{ORDER}"
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class History:
    """GetExecutionHistory events, one second apart, with ids and previous ids."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.events)

    def add(self, kind: str, details: dict[str, Any] | None = None) -> History:
        event_id = next(self._ids)
        event: dict[str, Any] = {
            "timestamp": T0 + timedelta(seconds=event_id - 1),
            "type": kind,
            "id": event_id,
            "previousEventId": event_id - 1,
        }
        if details is not None:
            key = kind[0].lower() + kind[1:]
            if kind.endswith(("StateEntered", "StateExited")):
                key = "stateEnteredEventDetails" if "Entered" in kind else "stateExitedEventDetails"
            else:
                key += "EventDetails"
            event[key] = details
        self.events.append(event)
        return self

    def started(self) -> History:
        return self.add("ExecutionStarted", {"input": "{}", "roleArn": "arn:aws:iam::1:role/r"})

    def task(self, name: str, *endings: tuple[str, dict[str, Any]], exit_: bool = True) -> History:
        """A Task state: entered, then one attempt (scheduled, submitted) per ending."""
        self.add("TaskStateEntered", {"name": name, "input": "{}"})
        for kind, details in endings:
            self.add("TaskScheduled", {"resource": "putEvents.waitForTaskToken"})
            self.add("TaskSubmitted", {"resource": "putEvents.waitForTaskToken"})
            if kind:
                self.add(kind, details)
        if exit_:
            self.add("TaskStateExited", {"name": name, "output": "{}"})
        return self

    def passing(self, name: str) -> History:
        self.add("PassStateEntered", {"name": name, "input": "{}"})
        return self.add("PassStateExited", {"name": name, "output": "{}"})

    def at(self, event_id: int) -> str:
        moment = self.events[event_id - 1]["timestamp"]
        return str(moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"))


OK = ("TaskSucceeded", {"resource": "putEvents.waitForTaskToken", "output": "{}"})
WAITING = ("", {})


def _declined(cause: str = '{"code":"DECLINED","message":"no"}') -> tuple[str, dict[str, Any]]:
    return ("TaskFailed", {"error": "PaymentDeclined", "cause": cause})


def _execution(status: str = "RUNNING", **extra: Any) -> dict[str, Any]:
    return {"executionArn": ARN, "name": ORDER, "status": status, "startDate": T0, **extra}


def test_timestamps_are_rfc3339_utc_with_milliseconds() -> None:
    assert timestamp(datetime(2026, 11, 22, 9, 0, 1, 234567, tzinfo=UTC)) == (
        "2026-11-22T09:00:01.234Z"
    )
    lisbon_summer = timezone(timedelta(hours=1))
    assert timestamp(datetime(2026, 6, 1, 10, 0, tzinfo=lisbon_summer)) == (
        "2026-06-01T09:00:00.000Z"
    )
    assert timestamp(1795338000.5) == "2026-11-22T09:00:00.500Z"
    assert timestamp("1795338000") == "2026-11-22T09:00:00.000Z"
    assert timestamp(None) is None
    assert timestamp("") is None


def test_a_running_saga_shows_its_finished_steps_and_the_step_it_waits_in() -> None:
    history = History().started().task("ReserveInventory", OK).passing("Note")
    history.task("AuthorizePayment", WAITING, exit_=False)
    view = saga_view(ORDER, _execution(), history)
    assert view == {
        "orderId": ORDER,
        "executionArn": ARN,
        "status": "RUNNING",
        "startedAt": "2026-11-22T09:00:00.000Z",
        "stoppedAt": None,
        "currentStep": "AuthorizePayment",
        "steps": [
            {
                "step": "ReserveInventory",
                "status": "COMPLETED",
                "attempts": 1,
                "startedAt": history.at(2),
                "endedAt": history.at(6),
            },
            {
                "step": "AuthorizePayment",
                "status": "RUNNING",
                "attempts": 1,
                "startedAt": history.at(9),
                "endedAt": None,
            },
        ],
        "compensations": [],
        "error": None,
    }


def test_a_succeeded_saga_has_three_completed_steps_and_no_current_step() -> None:
    history = History().started()
    for name in ("ReserveInventory", "AuthorizePayment", "ConfirmOrder"):
        history.task(name, OK)
    history.add("SucceedStateEntered", {"name": "SagaSucceeded"}).add("ExecutionSucceeded", {})
    stop = T0 + timedelta(seconds=30)
    view = saga_view(ORDER, _execution("SUCCEEDED", stopDate=stop), history)
    assert view["status"] == "SUCCEEDED"
    assert view["stoppedAt"] == "2026-11-22T09:00:30.000Z"
    assert view["currentStep"] is None
    assert [(s["step"], s["status"], s["attempts"]) for s in view["steps"]] == [
        ("ReserveInventory", "COMPLETED", 1),
        ("AuthorizePayment", "COMPLETED", 1),
        ("ConfirmOrder", "COMPLETED", 1),
    ]
    assert all("error" not in s for s in view["steps"])
    assert view["error"] is None


def test_a_declined_payment_is_a_failed_step_then_compensations_then_the_saga_error() -> None:
    cause = '{"code":"INSUFFICIENT_FUNDS","message":"The card has insufficient funds."}'
    history = History().started().task("ReserveInventory", OK)
    history.task("AuthorizePayment", _declined(cause)).passing("PaymentWasDeclined")
    history.task("ReleaseInventory", OK)
    history.task("PublishSagaFailed", OK)
    history.add("FailStateEntered", {"name": "SagaFailed"})
    history.add("ExecutionFailed", {"error": "PaymentDeclined", "cause": "payment declined"})
    view = saga_view(ORDER, _execution("FAILED", error="ignored", cause="ignored"), history)
    payment = view["steps"][1]
    assert payment == {
        "step": "AuthorizePayment",
        "status": "FAILED",
        "attempts": 1,
        "startedAt": history.at(7),
        "endedAt": history.at(11),
        "error": {"error": "PaymentDeclined", "cause": cause},
    }
    assert [s["step"] for s in view["steps"]] == ["ReserveInventory", "AuthorizePayment"]
    assert [(c["step"], c["status"]) for c in view["compensations"]] == [
        ("ReleaseInventory", "COMPLETED")
    ]
    assert view["error"] == {"error": "PaymentDeclined", "cause": "payment declined"}
    assert view["currentStep"] is None


def test_a_task_state_outside_the_saga_steps_is_not_shown() -> None:
    history = History().started().task("PublishSagaFailed", OK)
    view = saga_view(ORDER, _execution(), history)
    assert (view["steps"], view["compensations"], view["currentStep"]) == ([], [], None)


def test_a_step_that_timed_out_has_status_timed_out_and_the_states_timeout_error() -> None:
    history = History().started()
    history.task("ReserveInventory", ("TaskTimedOut", {"resource": "putEvents"}))
    view = saga_view(ORDER, _execution(), history)
    [step] = view["steps"]
    assert step["status"] == "TIMED_OUT"
    assert step["error"] == {"error": "States.Timeout", "cause": ""}


@pytest.mark.parametrize("kind", ["TaskSubmitFailed", "TaskStartFailed"])
def test_a_step_that_could_not_be_sent_is_failed(kind: str) -> None:
    history = History().started()
    history.task("ReserveInventory", (kind, {"error": "EventBridge.FailedEntry", "cause": "c"}))
    [step] = saga_view(ORDER, _execution(), history)["steps"]
    assert (step["status"], step["error"]) == (
        "FAILED",
        {"error": "EventBridge.FailedEntry", "cause": "c"},
    )


def test_a_retried_step_counts_its_attempts_and_has_the_last_attempts_status() -> None:
    failed_entry = ("TaskFailed", {"error": "EventBridge.FailedEntry", "cause": "throttled"})
    history = History().started().task("ReserveInventory", failed_entry, failed_entry, OK)
    [step] = saga_view(ORDER, _execution(), history)["steps"]
    assert (step["step"], step["attempts"], step["status"]) == ("ReserveInventory", 3, "COMPLETED")
    assert "error" not in step, "a later success clears an earlier attempt's error"


def test_a_step_resent_after_a_timeout_is_running_again() -> None:
    timed_out = ("TaskTimedOut", {"error": "States.Timeout"})
    history = History().started().task("ReserveInventory", OK)
    history.task("AuthorizePayment", _declined()).passing("PaymentWasDeclined")
    history.task("ReleaseInventory", timed_out, WAITING, exit_=False)
    view = saga_view(ORDER, _execution(), history)
    [release] = view["compensations"]
    assert view["currentStep"] == "ReleaseInventory"
    assert release["attempts"] == 2
    assert release["status"] == "RUNNING"
    assert "error" not in release


def test_the_execution_error_is_used_when_the_history_has_no_failure_event() -> None:
    view = saga_view(
        ORDER, _execution("FAILED", error="States.Runtime", cause="bad path"), History().started()
    )
    assert view["error"] == {"error": "States.Runtime", "cause": "bad path"}


def test_a_timed_out_execution_without_details_is_named_after_its_event() -> None:
    history = History().started().add("ExecutionTimedOut")
    view = saga_view(ORDER, _execution("TIMED_OUT"), history)
    assert view["error"] == {"error": "ExecutionTimedOut", "cause": ""}


def test_an_aborted_saga_has_no_current_step_even_inside_a_step() -> None:
    history = History().started().task("ReserveInventory", WAITING, exit_=False)
    history.add("ExecutionAborted", {"error": "Operator", "cause": "stopped by hand"})
    view = saga_view(ORDER, _execution("ABORTED"), history)
    assert view["currentStep"] is None
    assert view["error"] == {"error": "Operator", "cause": "stopped by hand"}
    assert view["steps"][0]["status"] == "RUNNING"


def test_wire_histories_with_epoch_seconds_read_the_same() -> None:
    history = History().started().task("ReserveInventory", OK)
    for event in history.events:
        event["timestamp"] = event["timestamp"].timestamp()
    execution = _execution(startDate=T0.timestamp())
    view = saga_view(ORDER, execution, history)
    assert view["startedAt"] == "2026-11-22T09:00:00.000Z"
    assert (view["steps"][0]["startedAt"], view["steps"][0]["endedAt"]) == (
        "2026-11-22T09:00:01.000Z",
        "2026-11-22T09:00:05.000Z",
    )


def test_a_summary_is_one_list_line_named_by_the_order() -> None:
    line = summary(_execution("SUCCEEDED", stopDate=T0 + timedelta(minutes=1), input="{}"))
    assert line == {
        "orderId": ORDER,
        "executionArn": ARN,
        "status": "SUCCEEDED",
        "startedAt": "2026-11-22T09:00:00.000Z",
        "stoppedAt": "2026-11-22T09:01:00.000Z",
    }


def test_a_summary_of_a_running_saga_has_no_stop_time() -> None:
    assert summary(_execution())["stoppedAt"] is None
