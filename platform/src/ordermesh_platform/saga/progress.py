"""A saga's progress, read from its execution and history: status, current step, every step
and compensation with when it started and ended, and the error.

Steps are the saga's Task states. A step that was retried (a command re-sent after a timeout)
is one step with its attempts counted; its status is the last attempt's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

STEPS = ("ReserveInventory", "AuthorizePayment", "ConfirmOrder")
COMPENSATIONS = ("RefundPayment", "ReleaseInventory")
_ENDINGS = {"TaskSucceeded": "COMPLETED", "TaskFailed": "FAILED", "TaskTimedOut": "TIMED_OUT"}
_ENDINGS |= {"TaskSubmitFailed": "FAILED", "TaskStartFailed": "FAILED"}


def timestamp(value: Any) -> str | None:
    """An AWS timestamp (boto3's datetime, or epoch seconds on the wire) as RFC 3339 UTC."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromtimestamp(float(value), UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Step:
    name: str
    started_at: str | None
    ended_at: str | None = None
    status: str = "RUNNING"
    attempts: int = 0
    error: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        view: dict[str, Any] = {"step": self.name, "status": self.status, "attempts": self.attempts}
        view["startedAt"] = self.started_at
        view["endedAt"] = self.ended_at
        if self.error:
            view["error"] = self.error
        return view


@dataclass
class _Reading:
    steps: list[Step] = field(default_factory=list)
    open: Step | None = None
    error: dict[str, str] | None = None


def _details(event: Mapping[str, Any]) -> Mapping[str, Any]:
    found = next((v for k, v in event.items() if k.endswith("EventDetails")), None)
    return found if isinstance(found, Mapping) else {}


def _read(reading: _Reading, event: Mapping[str, Any]) -> None:
    kind = str(event.get("type", ""))
    at = timestamp(event.get("timestamp"))
    if kind == "TaskStateEntered":
        name = str(event.get("stateEnteredEventDetails", {}).get("name", ""))
        if name in STEPS or name in COMPENSATIONS:
            reading.open = Step(name, at)
            reading.steps.append(reading.open)
    elif kind == "TaskScheduled" and reading.open is not None:  # an attempt, maybe a retry
        reading.open.attempts += 1
        reading.open.status, reading.open.error = "RUNNING", None
    elif kind in _ENDINGS and reading.open is not None:
        reading.open.status = _ENDINGS[kind]
        details = _details(event)
        if kind != "TaskSucceeded":
            reading.open.error = {
                "error": str(details.get("error", "States.Timeout")),
                "cause": str(details.get("cause", "")),
            }
        else:
            reading.open.error = None
    elif kind == "TaskStateExited" and reading.open is not None:
        reading.open.ended_at = at
        reading.open = None
    elif kind in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"):
        details = _details(event)
        reading.error = {
            "error": str(details.get("error", kind)),
            "cause": str(details.get("cause", "")),
        }


def saga_view(
    order_id: str, execution: Mapping[str, Any], history: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    reading = _Reading()
    for event in history:
        _read(reading, event)
    status = str(execution.get("status", "RUNNING"))
    view: dict[str, Any] = {
        "orderId": order_id,
        "executionArn": execution.get("executionArn"),
        "status": status,
        "startedAt": timestamp(execution.get("startDate")),
        "stoppedAt": timestamp(execution.get("stopDate")),
        "currentStep": reading.open.name if reading.open and status == "RUNNING" else None,
        "steps": [s.to_json() for s in reading.steps if s.name in STEPS],
        "compensations": [s.to_json() for s in reading.steps if s.name in COMPENSATIONS],
        "error": reading.error,
    }
    if reading.error is None and execution.get("error"):
        view["error"] = {"error": str(execution["error"]), "cause": str(execution.get("cause", ""))}
    return view


def summary(execution: Mapping[str, Any]) -> dict[str, Any]:
    """One line of ``GET /sagas``."""
    return {
        "orderId": execution.get("name"),
        "executionArn": execution.get("executionArn"),
        "status": execution.get("status"),
        "startedAt": timestamp(execution.get("startDate")),
        "stoppedAt": timestamp(execution.get("stopDate")),
    }
