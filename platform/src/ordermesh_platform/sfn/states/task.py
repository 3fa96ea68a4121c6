"""Task: the state calls its resource through the ``Integrations`` port and takes the result.

After ``TaskStateEntered``, a first step evaluates the parameters (with a new task token for a
``.waitForTaskToken`` resource), TimeoutSeconds and HeartbeatSeconds, and records
``TaskScheduled``; the frame is then in phase ``call``, so the engine can store the call's
intent before it is made. The next step makes the call (``TaskStarted``, then ``TaskSucceeded``,
``TaskFailed`` or ``TaskTimedOut``), or takes the result of a call the engine started before
(``start_calls``), blocking until it is done or TimeoutSeconds ends it. A token task records
``TaskSubmitted`` instead and waits in phase ``token`` for ``Execution.deliver`` (a reply or a
heartbeat), its TimeoutSeconds or its HeartbeatSeconds. A last step puts the result through the
data flow and leaves the state. A plain Lambda function ARN records ``LambdaFunction...`` events.

A call the engine starts before the step (``CallsUnderWay``, ``Execution.start_calls``) lives in
memory only: the stored frame still says ``call``, so after a restart the call is made again (at
least once, as on AWS). A task-token reply or heartbeat reaches its frame through ``deliver``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, Protocol

from ordermesh_platform.sfn.dataflow import effective_input, field_value, state_output
from ordermesh_platform.sfn.errors import (
    STATES_HEARTBEAT_TIMEOUT,
    STATES_RUNTIME,
    STATES_TIMEOUT,
    StatesError,
)
from ordermesh_platform.sfn.json_text import to_json
from ordermesh_platform.sfn.step import BLOCKED, MOVED, Frame, StateFailure, fail_data

if TYPE_CHECKING:
    from ordermesh_platform.sfn.interpreter import Execution


@dataclass(frozen=True)
class TaskRequest:
    """What a Task state asks of its resource."""

    resource: str  # the state's Resource ARN
    service: str  # "lambda", "events", "sqs", ... ("lambda-function" for a plain function ARN)
    action: str  # "invoke", "putEvents", "sendMessage"; the function name for a plain ARN
    wait_for_token: bool
    parameters: Any
    token: str | None
    timeout_seconds: float | None
    execution_arn: str


class Integrations(Protocol):
    """The services Task states call. ``call`` returns the result (for a token task, the API
    response) or raises ``StatesError`` with the task's error name and cause. An integration
    may also have ``start(request, notify) -> PendingCall | None``, to make a call without
    waiting for it (``None``: this one is made by ``call``)."""

    def call(self, request: TaskRequest) -> Any: ...


class PendingCall(Protocol):
    """A call under way: ``result`` returns or raises as ``Integrations.call`` would."""

    def done(self) -> bool: ...

    def time_left(self) -> float: ...

    def result(self) -> Any: ...


@dataclass(frozen=True)
class StartedCall:
    frame: Frame
    call: PendingCall
    at: float  # when it started (the execution's clock)

    @property
    def timeout_at(self) -> float | None:
        """When the state's TimeoutSeconds ends the call (the execution's clock), if it has one."""
        timeout: float | None = self.frame["work"].get("timeout")
        return None if timeout is None else self.at + timeout


class NoIntegrations:
    """For executions without Task states: every call fails."""

    def call(self, request: TaskRequest) -> Any:
        raise StatesError(
            STATES_RUNTIME, f"The resource '{request.resource}' is not available locally"
        )


@dataclass(frozen=True)
class Resource:
    service: str
    action: str
    wait_for_token: bool
    legacy_lambda: bool

    @property
    def resource_type(self) -> str:
        return self.service

    @property
    def event_resource(self) -> str:
        return f"{self.action}.waitForTaskToken" if self.wait_for_token else self.action


@lru_cache(maxsize=256)
def parse_resource(resource: str) -> Resource:
    """Split a Task's Resource ARN into its service and action."""
    parts = resource.split(":")
    if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":  # noqa: PLR2004
        return Resource("lambda", parts[6], wait_for_token=False, legacy_lambda=True)
    if len(parts) >= 7 and parts[2] == "states" and not parts[3] and not parts[4]:  # noqa: PLR2004
        service, action = parts[5], ":".join(parts[6:])
        wait = action.endswith(".waitForTaskToken")
        if wait:
            action = action.removesuffix(".waitForTaskToken")
        return Resource(service, action, wait_for_token=wait, legacy_lambda=False)
    return Resource("unknown", resource, wait_for_token=False, legacy_lambda=False)


def new_task_token() -> str:
    return secrets.token_urlsafe(48)


def awaits_reply(frame: Frame) -> bool:
    """Can a task-token reply arrive for this frame? While it waits for one, and while its call
    is still to be made: a reply can overtake the step that records the call (a crash in
    between); it is kept on the frame and taken once the call has been made again."""
    return frame["status"] == "running" and frame["phase"] in {"call", "token"}


class CallsUnderWay:
    """The calls an execution started without waiting for them, by frame (in memory only)."""

    def __init__(self) -> None:
        self._started: dict[int, StartedCall] = {}  # by id() of their frame

    def of(self, frame: Frame) -> StartedCall | None:
        """The frame's started call, if it has one."""
        started = self._started.get(id(frame))
        return started if started is not None and started.frame is frame else None

    def forget(self, frame: Frame) -> None:
        del self._started[id(frame)]

    def start(self, execution: Execution, notify: Callable[[], None]) -> bool:
        """Start the call of every frame about to make one, if the integration can make it
        without waiting (``notify`` is called when one is done). True if a frame's call is
        still to be made synchronously, by its next step."""
        start = getattr(execution.integrations, "start", None)
        synchronous = False
        for frame in execution.frames():
            if frame["status"] != "running" or frame["phase"] != "call":
                continue
            if self.of(frame) is not None:
                continue
            pending = None
            started_at = execution.now()  # before the call: its function may move the clock
            if start is not None:
                state = execution.state_of(frame)
                request = _task_request(execution, frame, state, parse_resource(state["Resource"]))
                try:
                    pending = start(request, notify)
                except StatesError:
                    pending = None  # the step makes the call, and fails it, as AWS would
            if pending is None:
                synchronous = True
            else:
                self._started[id(frame)] = StartedCall(frame, pending, started_at)
        return synchronous

    def under_way(self, frames: Iterable[Frame]) -> list[PendingCall]:
        """The started calls of ``frames`` still waiting for them; the others are forgotten."""
        live = {id(frame) for frame in frames if awaits_reply(frame)}
        for key in [key for key in self._started if key not in live]:
            del self._started[key]  # its frame was left (a failed Map or Parallel, a stop)
        return [started.call for started in self._started.values()]

    def done(self, now: float) -> bool:
        """Can a step take a started call's result (or its TimeoutSeconds)?"""
        for started in self._started.values():
            timeout_at = started.timeout_at
            if started.call.done() or (timeout_at is not None and now >= timeout_at):
                return True
        return False

    def wait(self, now: float) -> float | None:
        """Seconds until a started call is done at the latest (its function's timeout or the
        state's TimeoutSeconds); ``None`` if none is under way."""
        waits = []
        for started in self._started.values():
            waits.append(started.call.time_left())
            if started.timeout_at is not None:
                waits.append(max(started.timeout_at - now, 0.0))
        return min(waits) if waits else None


def deliver_signal(execution: Execution, token: str, signal: dict[str, Any]) -> bool:
    """Hand a task-token outcome (``{"output": ...}``, ``{"error":..,"cause":..}`` or
    ``{"heartbeat": True}``) to the frame waiting on ``token``. False if none waits."""
    for frame in execution.frames():
        if awaits_reply(frame) and frame.get("token") == token:
            if signal.get("heartbeat"):
                if frame.get("heartbeat_seconds") is not None:
                    frame["heartbeat_at"] = execution.now() + frame["heartbeat_seconds"]
            else:
                frame["signal"] = signal
            return True
    return False


def run(execution: Execution, frame: Frame, state: dict[str, Any]) -> str:
    work = frame["work"]
    resource = parse_resource(state["Resource"])
    if "parameters" not in work:
        frame["signal"] = None
        if resource.wait_for_token:
            frame["token"] = new_task_token()  # a new token for every attempt
        work["parameters"] = effective_input(execution, frame, state, "Parameters")
        work["timeout"] = _seconds_field(execution, frame, state, "TimeoutSeconds")
        work["heartbeat"] = _seconds_field(execution, frame, state, "HeartbeatSeconds")
        _task_scheduled(execution, frame, resource, work)
        frame["phase"] = "call"
        return MOVED
    phase = frame["phase"]
    if phase == "call":
        return _task_call(execution, frame, state, resource, work)
    if phase == "token":
        return _task_wait(execution, frame, resource, work)
    if phase == "result":
        output, assigned = state_output(execution, frame, state, work.pop("result"))
        return execution.exit_state(frame, state, output, assigned)
    msg = f"unknown task phase {phase!r}"
    raise AssertionError(msg)


def _seconds_field(
    execution: Execution, frame: Frame, state: dict[str, Any], name: str
) -> float | None:
    value = field_value(execution, frame, state, name, frame["input"])
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise fail_data(
            frame,
            StatesError(
                STATES_RUNTIME,
                f"The {name} field must be a positive integer, but was {to_json(value)}",
            ),
        )
    return float(value)


def _task_scheduled(
    execution: Execution, frame: Frame, resource: Resource, work: dict[str, Any]
) -> None:
    if resource.legacy_lambda:
        details: dict[str, Any] = {
            "resource": execution.state_of(frame)["Resource"],
            "input": to_json(work["parameters"]),
            "inputDetails": {"truncated": False},
        }
        if work["timeout"] is not None:
            details["timeoutInSeconds"] = int(work["timeout"])
        execution.emit(
            frame, "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", details
        )
        return
    details = {
        "resourceType": resource.resource_type,
        "resource": resource.event_resource,
        "region": execution.context_base["StateMachine"]["Id"].split(":")[3],
        "parameters": to_json(work["parameters"]),
    }
    if work["timeout"] is not None:
        details["timeoutInSeconds"] = int(work["timeout"])
    if work["heartbeat"] is not None:
        details["heartbeatInSeconds"] = int(work["heartbeat"])
    execution.emit(frame, "TaskScheduled", "taskScheduledEventDetails", details)


def _task_details(resource: Resource, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": resource.resource_type,
        "resource": resource.event_resource,
        **extra,
    }


def _task_request(
    execution: Execution, frame: Frame, state: dict[str, Any], resource: Resource
) -> TaskRequest:
    work = frame["work"]
    return TaskRequest(
        resource=state["Resource"],
        service=resource.service,
        action=resource.action,
        wait_for_token=resource.wait_for_token,
        parameters=work["parameters"],
        token=frame.get("token"),
        timeout_seconds=work["timeout"],
        execution_arn=execution.context_base["Execution"]["Id"],
    )


def _task_call(
    execution: Execution,
    frame: Frame,
    state: dict[str, Any],
    resource: Resource,
    work: dict[str, Any],
) -> str:
    started_call = execution.calls.of(frame)
    if started_call is not None:
        started = started_call.at
        if not started_call.call.done():
            timeout_at = started_call.timeout_at
            if timeout_at is None or execution.now() < timeout_at:
                return BLOCKED
            # The state's TimeoutSeconds ended it; the call's result is not waited for.
            execution.calls.forget(frame)
            _task_started(execution, frame, resource, started)
            _task_failed(execution, frame, resource, STATES_TIMEOUT, None, timed_out=True)
            raise StateFailure(STATES_TIMEOUT, None)
        execution.calls.forget(frame)
        call: Callable[[], Any] = started_call.call.result
    else:
        started = execution.now()
        call = partial(
            execution.integrations.call, _task_request(execution, frame, state, resource)
        )
    _task_started(execution, frame, resource, started)
    try:
        result = call()
    except StatesError as err:
        _task_failed(execution, frame, resource, err.error, err.cause)
        raise StateFailure(err.error, err.cause) from None
    timeout = work["timeout"]
    if not resource.wait_for_token and timeout is not None and execution.now() - started > timeout:
        # A call is not interrupted locally, but one that took longer than the state's
        # TimeoutSeconds ends the way AWS ends it: States.Timeout.
        _task_failed(execution, frame, resource, STATES_TIMEOUT, None, timed_out=True)
        raise StateFailure(STATES_TIMEOUT, None)
    if resource.wait_for_token:
        execution.emit(
            frame,
            "TaskSubmitted",
            "taskSubmittedEventDetails",
            _task_details(resource, output=to_json(result), outputDetails={"truncated": False}),
        )
        frame["phase"] = "token"
        if work["timeout"] is not None:
            work["deadline"] = started + work["timeout"]
        if work["heartbeat"] is not None:
            frame["heartbeat_seconds"] = work["heartbeat"]
            frame["heartbeat_at"] = started + work["heartbeat"]
        return MOVED
    _task_succeeded(execution, frame, resource, result, work)
    return MOVED


def _task_started(execution: Execution, frame: Frame, resource: Resource, at: float) -> None:
    if resource.legacy_lambda:
        execution.emit(frame, "LambdaFunctionStarted", None, None, at=at)
    else:
        details = _task_details(resource)
        execution.emit(frame, "TaskStarted", "taskStartedEventDetails", details, at=at)


def _task_succeeded(
    execution: Execution, frame: Frame, resource: Resource, result: Any, work: dict[str, Any]
) -> None:
    if resource.legacy_lambda:
        execution.emit(
            frame,
            "LambdaFunctionSucceeded",
            "lambdaFunctionSucceededEventDetails",
            {"output": to_json(result), "outputDetails": {"truncated": False}},
        )
    else:
        execution.emit(
            frame,
            "TaskSucceeded",
            "taskSucceededEventDetails",
            _task_details(resource, output=to_json(result), outputDetails={"truncated": False}),
        )
    work["result"] = result
    frame["phase"] = "result"


def _task_failed(
    execution: Execution,
    frame: Frame,
    resource: Resource,
    error: str,
    cause: str | None,
    *,
    timed_out: bool = False,
) -> None:
    details: dict[str, Any] = {"error": error}
    if cause is not None:
        details["cause"] = cause
    if resource.legacy_lambda:
        kind = "LambdaFunctionTimedOut" if timed_out else "LambdaFunctionFailed"
        key = (
            "lambdaFunctionTimedOutEventDetails"
            if timed_out
            else ("lambdaFunctionFailedEventDetails")
        )
        execution.emit(frame, kind, key, details)
        return
    kind = "TaskTimedOut" if timed_out else "TaskFailed"
    key = "taskTimedOutEventDetails" if timed_out else "taskFailedEventDetails"
    execution.emit(frame, kind, key, _task_details(resource, **details))


def _task_wait(execution: Execution, frame: Frame, resource: Resource, work: dict[str, Any]) -> str:
    signal = frame.get("signal")
    now = execution.now()
    if signal is not None:
        frame.update(signal=None, heartbeat_at=None)
        if "output" in signal:
            _task_succeeded(execution, frame, resource, signal["output"], work)
            return MOVED
        error = signal.get("error") or ""
        _task_failed(execution, frame, resource, error, signal.get("cause"))
        raise StateFailure(error, signal.get("cause"))
    timeouts = [
        (work.get("deadline"), STATES_TIMEOUT),
        (frame.get("heartbeat_at"), STATES_HEARTBEAT_TIMEOUT),
    ]
    for deadline, error in timeouts:
        if deadline is not None and now >= deadline:
            frame.update(heartbeat_at=None, timed_out=True)
            _task_failed(execution, frame, resource, error, None, timed_out=True)
            raise StateFailure(error, None)
    return BLOCKED
