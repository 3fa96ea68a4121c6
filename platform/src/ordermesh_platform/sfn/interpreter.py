"""The Amazon States Language interpreter: one execution, advanced one step at a time.

An execution is a tree of *frames*. The root frame walks the top-level states; a Parallel state
owns one child frame per branch and a Map state one per running iteration. Every frame is plain
JSON (``Execution.snapshot``), so the engine can store an execution between any two steps and
resume it in another process: a Wait, a retry back-off and a task-token wait are frames that are
*blocked* until a time (``wake_at``) or a signal (``deliver``), at any depth.

``Execution.step`` advances the tree by one step and returns ``MOVED``, ``BLOCKED`` or ``DONE``.
Children of a Parallel or Map state are stepped round-robin, one step each per step of the
parent, which gives the interleaved histories AWS records for concurrent branches. Each state
takes two steps at least (its ``...Entered`` event, then its work and ``...Exited``), and a Task
takes one more before it calls its resource, so the engine can store the call's intent first.

History events are AWS's (``Execution.events`` collects the ones not yet taken); data-flow
errors carry AWS's cause prefix, and JSONata errors add an ``EvaluationFailed`` event as AWS does.
The iterations of a distributed Map are child executions: their events are not in this history.
Side effects go through the ``Integrations`` port; time through the ``now`` callable.

A Task's call is made inside the step that takes its result, unless the engine started it
before (``start_calls``): then the frame is blocked until the call is done, and other frames
and executions move meanwhile. A started call lives in memory only: the stored frame still says
``call``, so after a restart the call is made again (at least once, as on AWS).

A state's data flow (InputPath, Parameters or Arguments, ResultSelector, ResultPath, OutputPath,
Assign, and the context object) is ``sfn.dataflow``; a failed state's Retry and Catch are
``sfn.retry_catch``; what a step returns, and the failure a state raises, is ``sfn.step``; AWS's
error names are ``sfn.errors``. The names that moved from here (``MOVED``, ``BLOCKED``, ``DONE``,
``Frame``, ``iso_millis``, the ``STATES_*`` error names) are still importable from here, as is
every name in ``__all__``.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Protocol

from ordermesh_platform.sfn.choice import PathMissingError, evaluate_rule, parse_timestamp
from ordermesh_platform.sfn.dataflow import (
    assign_jsonpath,
    context_object,
    effective_input,
    eval_jsonata,
    field_value,
    is_jsonata,
    iso_millis,
    run_jsonpath,
    state_output,
    states_binding,
)
from ordermesh_platform.sfn.errors import (
    STATES_ALL,
    STATES_BRANCH_FAILED,
    STATES_DATA_LIMIT,
    STATES_HEARTBEAT_TIMEOUT,
    STATES_NO_CHOICE,
    STATES_QUERY_EVALUATION_ERROR,
    STATES_RUNTIME,
    STATES_TASK_FAILED,
    STATES_TIMEOUT,
    STATES_TOLERATED_FAILURE,
    StatesError,
)
from ordermesh_platform.sfn.json_text import copy_json, to_json
from ordermesh_platform.sfn.jsonata_eval import evaluate_expression, is_jsonata_expression
from ordermesh_platform.sfn.jsonpath import (
    JsonPathNotFoundError,
    apply_output_path,
    resolve_path,
)
from ordermesh_platform.sfn.payload import render_template
from ordermesh_platform.sfn.retry_catch import handle_failure
from ordermesh_platform.sfn.step import BLOCKED, DONE, MOVED, Frame, StateFailure, fail_data

__all__ = [
    "BLOCKED",
    "DONE",
    "MAX_PAYLOAD_BYTES",
    "MOVED",
    "STATES_ALL",
    "STATES_BRANCH_FAILED",
    "STATES_DATA_LIMIT",
    "STATES_HEARTBEAT_TIMEOUT",
    "STATES_NO_CHOICE",
    "STATES_TASK_FAILED",
    "STATES_TIMEOUT",
    "STATES_TOLERATED_FAILURE",
    "Execution",
    "Frame",
    "Integrations",
    "NoIntegrations",
    "PendingCall",
    "Resource",
    "TaskRequest",
    "awaits_reply",
    "iso_millis",
    "new_task_token",
    "parse_resource",
]

MAX_PAYLOAD_BYTES = 262_144
# AWS counts a Wait state's delay in a signed 32-bit number of seconds (about 68 years).
_MAX_WAIT_SECONDS = 2**31 - 1

_TYPE_EVENT = {
    "Pass": "Pass",
    "Task": "Task",
    "Choice": "Choice",
    "Wait": "Wait",
    "Succeed": "Succeed",
    "Fail": "Fail",
    "Parallel": "Parallel",
    "Map": "Map",
}


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
class _Started:
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


class Execution:
    """One running (or finished) execution of a state machine definition."""

    def __init__(  # noqa: PLR0913 - an execution's identity and its ports
        self,
        definition: dict[str, Any],
        *,
        execution_arn: str,
        state_machine_arn: str,
        name: str,
        execution_input: Any,
        start_time: float,
        role_arn: str,
        now: Callable[[], float],
        integrations: Integrations | None = None,
        rng: random.Random | None = None,
        snapshot: dict[str, Any] | None = None,
    ) -> None:
        self.definition = definition
        self.start_time = start_time
        self.now = now
        self.integrations = integrations or NoIntegrations()
        self.rng = rng or random.Random()  # noqa: S311 - jitter and $random, not secrets
        self.events: list[dict[str, Any]] = []
        self._blocks: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._child_executions: list[Frame] = []  # the distributed Map iterations being stepped
        self._started: dict[int, _Started] = {}  # calls under way, by id() of their frame
        self.context_base = {
            "Execution": {
                "Id": execution_arn,
                "Input": execution_input,
                "StartTime": iso_millis(start_time),
                "Name": name,
                "RoleArn": role_arn,
                "RedriveCount": 0,
            },
            "StateMachine": {
                "Id": state_machine_arn,
                "Name": state_machine_arn.rsplit(":", 1)[-1],
            },
        }
        if snapshot is not None:
            self.state = snapshot
            self.context_base["Execution"]["RedriveCount"] = snapshot.get("redrive_count", 0)
            return
        self.state = {
            "next_id": 1,
            "status": "RUNNING",
            "output": None,
            "error": None,
            "cause": None,
            "redrive_count": 0,
            "root": None,
        }
        self.emit(
            None,
            "ExecutionStarted",
            "executionStartedEventDetails",
            {
                "input": to_json(execution_input),
                "inputDetails": {"truncated": False},
                "roleArn": role_arn,
            },
            prev=0,
        )
        self.state["root"] = self._new_frame(
            [], definition["StartAt"], execution_input, variables={}, prev=0
        )

    # --- public -------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        status: str = self.state["status"]
        return status

    @property
    def root(self) -> Frame:
        root: Frame = self.state["root"]
        return root

    def snapshot(self) -> dict[str, Any]:
        return self.state

    def take_events(self) -> list[dict[str, Any]]:
        events, self.events = self.events, []
        return events

    def step(self) -> str:
        """Advance by one step: ``MOVED``, ``BLOCKED`` (waiting for a time or a signal) or
        ``DONE`` (the execution has finished)."""
        if self.status != "RUNNING":
            return DONE
        root = self.root
        deadline = self._execution_deadline()
        if deadline is not None and self.now() >= deadline:
            self.emit(
                root,
                "ExecutionTimedOut",
                "executionTimedOutEventDetails",
                {"error": STATES_TIMEOUT, "cause": "The execution timed out"},
            )
            self.state.update(status="TIMED_OUT", error=STATES_TIMEOUT, cause=None)
            return DONE
        progress = self._advance(root)
        if root["status"] == "succeeded":
            self._finish_succeeded(root)
            return DONE
        if root["status"] == "failed":
            self._finish_failed(root)
            return DONE
        return progress

    def run(self, max_steps: int = 1_000_000) -> str:
        """Step until blocked or done."""
        for _ in range(max_steps):
            progress = self.step()
            if progress != MOVED:
                return progress
        return MOVED

    def wake_at(self) -> float | None:
        """The earliest time a blocked frame (or the execution's own timeout) wants to run."""
        times = [t for t in _frame_times(self.root) if t is not None]
        deadline = self._execution_deadline()
        if deadline is not None:
            times.append(deadline)
        return min(times) if times else None

    def _execution_deadline(self) -> float | None:
        """The definition's top-level ``TimeoutSeconds``, counted from the start."""
        seconds = self.definition.get("TimeoutSeconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            return None
        return self.start_time + float(seconds)

    def frames(self) -> list[Frame]:
        """Every frame of the execution: the top level, then branches and iterations."""
        return _frames(self.root)

    def start_calls(self, notify: Callable[[], None]) -> bool:
        """Start the call of every frame about to make one, if the integration can make it
        without waiting (``notify`` is called when one is done). True if a frame's call is
        still to be made synchronously, by its next step."""
        start = getattr(self.integrations, "start", None)
        synchronous = False
        for frame in _frames(self.root):
            if frame["status"] != "running" or frame["phase"] != "call":
                continue
            if self._started_call(frame) is not None:
                continue
            pending = None
            if start is not None:
                state = self.state_of(frame)
                request = self._task_request(frame, state, parse_resource(state["Resource"]))
                try:
                    pending = start(request, notify)
                except StatesError:
                    pending = None  # the step makes the call, and fails it, as AWS would
            if pending is None:
                synchronous = True
            else:
                self._started[id(frame)] = _Started(frame, pending, self.now())
        return synchronous

    def calls_under_way(self) -> list[PendingCall]:
        """The started calls of frames still waiting for them."""
        live = {id(frame) for frame in _frames(self.root) if awaits_reply(frame)}
        for key in [key for key in self._started if key not in live]:
            del self._started[key]  # its frame was left (a failed Map or Parallel, a stop)
        return [started.call for started in self._started.values()]

    def call_done(self) -> bool:
        """Can a step take a started call's result (or its TimeoutSeconds)?"""
        now = self.now()
        for started in self._started.values():
            timeout_at = started.timeout_at
            if started.call.done() or (timeout_at is not None and now >= timeout_at):
                return True
        return False

    def call_wait(self) -> float | None:
        """Seconds until a started call is done at the latest (its function's timeout or the
        state's TimeoutSeconds); ``None`` if none is under way."""
        now = self.now()
        waits = []
        for started in self._started.values():
            waits.append(started.call.time_left())
            if started.timeout_at is not None:
                waits.append(max(started.timeout_at - now, 0.0))
        return min(waits) if waits else None

    def _started_call(self, frame: Frame) -> _Started | None:
        started = self._started.get(id(frame))
        return started if started is not None and started.frame is frame else None

    def deliver(self, token: str, signal: dict[str, Any]) -> bool:
        """Hand a task-token outcome (``{"output": ...}``, ``{"error":..,"cause":..}`` or
        ``{"heartbeat": True}``) to the frame waiting on ``token``. False if none waits."""
        for frame in _frames(self.root):
            if awaits_reply(frame) and frame.get("token") == token:
                if signal.get("heartbeat"):
                    if frame.get("heartbeat_seconds") is not None:
                        frame["heartbeat_at"] = self.now() + frame["heartbeat_seconds"]
                else:
                    frame["signal"] = signal
                return True
        return False

    def stop(self, error: str | None, cause: str | None) -> None:
        """StopExecution: the execution ends ABORTED where it is."""
        details: dict[str, Any] = {}
        if error is not None:
            details["error"] = error
        if cause is not None:
            details["cause"] = cause
        self.emit(None, "ExecutionAborted", "executionAbortedEventDetails", details, prev=0)
        for frame in _frames(self.root):
            frame["wake_at"] = None
        self.state.update(status="ABORTED", error=error, cause=cause)

    def redrive(self) -> None:
        """RedriveExecution: run the state where the execution stopped again, with its input."""
        self.state["redrive_count"] += 1
        self.context_base["Execution"]["RedriveCount"] = self.state["redrive_count"]
        self.emit(
            None,
            "ExecutionRedriven",
            "executionRedrivenEventDetails",
            {"redriveCount": self.state["redrive_count"]},
            prev=0,
        )
        self._redrive_frame(self.root)
        self.state.update(status="RUNNING", output=None, error=None, cause=None)

    def _redrive_frame(self, frame: Frame) -> None:
        frame.update(status="running", phase="enter", signal=None, wake_at=None, retry={})

    # --- events -------------------------------------------------------------------------------
    def emit(  # noqa: PLR0913 - an event's fields, and where it links in the history
        self,
        frame: Frame | None,
        event_type: str,
        details_key: str | None,
        details: dict[str, Any] | None,
        *,
        prev: int | None = None,
        advance: bool = True,
        at: float | None = None,
    ) -> int:
        if self._child_executions:
            # A distributed Map iteration is a child execution with its own history: its
            # events are not this execution's, and its event ids count from its own start.
            child = self._child_executions[-1]
            child_event_id: int = child["child_next_id"]
            child["child_next_id"] = child_event_id + 1
            if frame is not None and advance:
                frame["prev"] = child_event_id
            return child_event_id
        event_id: int = self.state["next_id"]
        self.state["next_id"] = event_id + 1
        previous = prev if prev is not None else (frame["prev"] if frame is not None else 0)
        event: dict[str, Any] = {
            "timestamp": self.now() if at is None else at,
            "type": event_type,
            "id": event_id,
            "previousEventId": previous,
        }
        if details_key is not None:
            event[details_key] = details or {}
        self.events.append(event)
        if frame is not None and advance:
            frame["prev"] = event_id
        return event_id

    def _finish_succeeded(self, root: Frame) -> None:
        output = root["output"]
        self.emit(
            root,
            "ExecutionSucceeded",
            "executionSucceededEventDetails",
            {"output": to_json(output), "outputDetails": {"truncated": False}},
        )
        self.state.update(status="SUCCEEDED", output=output)

    def _finish_failed(self, root: Frame) -> None:
        details: dict[str, Any] = {}
        if root.get("error") is not None:
            details["error"] = root["error"]
        if root.get("cause") is not None:
            details["cause"] = root["cause"]
        self.emit(root, "ExecutionFailed", "executionFailedEventDetails", details)
        self.state.update(status="FAILED", error=root.get("error"), cause=root.get("cause"))

    # --- frames -------------------------------------------------------------------------------
    def _new_frame(
        self,
        block: list[Any],
        start: str,
        state_input: Any,
        *,
        variables: dict[str, Any],
        prev: int,
        item: dict[str, Any] | None = None,
    ) -> Frame:
        return {
            "block": block,
            "state": start,
            "phase": "enter",
            "input": state_input,
            "vars": variables,
            "prev": prev,
            "entered": 0,
            "entered_time": self.now(),
            "retry": {},
            "retry_count": 0,
            "item": item,
            "status": "running",
            "output": None,
            "error": None,
            "cause": None,
            "wake_at": None,
            "token": None,
            "signal": None,
            "work": {},
        }

    def state_of(self, frame: Frame) -> dict[str, Any]:
        """The definition of the state the frame is in."""
        key = tuple(frame["block"])
        block = self._blocks.get(key)
        if block is None:
            block = self.definition
            for part in key:
                block = block[part]
            self._blocks[key] = block
        state: dict[str, Any] = block["States"][frame["state"]]
        return state

    # --- the step -----------------------------------------------------------------------------
    def _advance(self, frame: Frame) -> str:
        if frame["status"] != "running":
            return DONE
        state = self.state_of(frame)
        try:
            return self._advance_state(frame, state)
        except StateFailure as failure:
            return handle_failure(self, frame, state, failure)

    def _advance_state(self, frame: Frame, state: dict[str, Any]) -> str:
        phase = frame["phase"]
        if phase == "enter":
            self._enter(frame, state)
            return MOVED
        if phase == "retry-wait":
            if self.now() < frame["wake_at"]:
                return BLOCKED
            frame["wake_at"] = None
            frame["phase"] = frame["work"].pop("resume_phase")
            return self._advance_state(frame, state)
        handler = getattr(self, f"_run_{state['Type'].lower()}")
        result: str = handler(frame, state)
        return result

    def _enter(self, frame: Frame, state: dict[str, Any]) -> None:
        frame["entered_time"] = self.now()
        frame["retry"] = {}
        frame["retry_count"] = 0
        frame["work"] = {}
        frame["timed_out"] = False
        frame["entered_prev"] = frame["prev"]
        frame["entered"] = self.emit(
            frame,
            f"{_TYPE_EVENT[state['Type']]}StateEntered",
            "stateEnteredEventDetails",
            {
                "name": frame["state"],
                "input": to_json(frame["input"]),
                "inputDetails": {"truncated": False},
            },
        )
        frame["phase"] = "run"

    def exit_state(
        self,
        frame: Frame,
        state: dict[str, Any],
        output: Any,
        assigned: dict[str, Any] | None,
        *,
        next_state: str | None = None,
    ) -> str:
        """Emit ``...Exited``, assign the variables, and move to the next state (or finish)."""
        size = len(to_json(output).encode())
        if size > MAX_PAYLOAD_BYTES:
            raise StateFailure(
                STATES_DATA_LIMIT,
                f"The state/task '{frame['state']}' returned a result with a size exceeding "
                "the maximum number of bytes service limit.",
            )
        details: dict[str, Any] = {"name": frame["state"]}
        if assigned:
            details["assignedVariables"] = {key: to_json(value) for key, value in assigned.items()}
            details["assignedVariablesDetails"] = {"truncated": False}
        details["output"] = to_json(output)
        details["outputDetails"] = {"truncated": False}
        self.emit(
            frame,
            f"{_TYPE_EVENT[state['Type']]}StateExited",
            "stateExitedEventDetails",
            details,
        )
        if assigned:
            frame["vars"] = {**frame["vars"], **assigned}
        following = next_state if next_state is not None else state.get("Next")
        if state.get("End") or following is None or state["Type"] == "Succeed":
            frame.update(status="succeeded", output=output, phase="done")
        else:
            frame.update(state=following, input=output, phase="enter")
        return MOVED

    # --- Pass, Succeed, Fail, Choice, Wait ------------------------------------------------------
    def _run_pass(self, frame: Frame, state: dict[str, Any]) -> str:
        if is_jsonata(self, state):
            output, assigned = state_output(self, frame, state, frame["input"])
            return self.exit_state(frame, state, output, assigned)
        effective = effective_input(self, frame, state, "Parameters")
        result = copy_json(state["Result"]) if "Result" in state else effective
        output, assigned = state_output(self, frame, state, result)
        return self.exit_state(frame, state, output, assigned)

    def _run_succeed(self, frame: Frame, state: dict[str, Any]) -> str:
        if is_jsonata(self, state):
            output, _ = state_output(self, frame, state, frame["input"])
        else:
            effective = effective_input(self, frame, state, "-")
            output, _ = state_output(self, frame, state, effective, result_key=None)
        return self.exit_state(frame, state, output, None)

    def _run_fail(self, frame: Frame, state: dict[str, Any]) -> str:
        error = field_value(self, frame, state, "Error", frame["input"])
        cause = field_value(self, frame, state, "Cause", frame["input"])
        for field, value in (("Error", error), ("Cause", cause)):
            if value is not None and not isinstance(value, str):
                raise fail_data(
                    frame,
                    StatesError(
                        STATES_RUNTIME,
                        f"The {field}Path or {field} field must evaluate to a string, "
                        f"but was {to_json(value)}",
                    ),
                )
        frame.update(status="failed", error=error, cause=cause, phase="done")
        return MOVED

    def _run_choice(self, frame: Frame, state: dict[str, Any]) -> str:
        if is_jsonata(self, state):
            return self._run_choice_jsonata(frame, state)
        effective = effective_input(self, frame, state, "-")
        context = context_object(self, frame)

        def resolve(path: str) -> Any:
            try:
                return resolve_path(path, effective, context, frame["vars"])
            except JsonPathNotFoundError:
                raise PathMissingError(path) from None

        for rule in state["Choices"]:
            holds = run_jsonpath(frame, partial(evaluate_rule, rule, resolve))
            if holds:
                return self._choose(frame, state, rule, rule["Next"], effective=effective)
        return self._choose(frame, state, state, state.get("Default"), effective=effective)

    def _run_choice_jsonata(self, frame: Frame, state: dict[str, Any]) -> str:
        binding = states_binding(self, frame)
        for index, rule in enumerate(state["Choices"]):
            field = f"Choices[{index}].Condition"
            condition = rule["Condition"]
            holds = condition  # a literal boolean is its own value
            if is_jsonata_expression(condition):
                condition = condition[2:-2].strip()
                try:
                    holds = evaluate_expression(
                        condition, binding, frame["vars"], field=field, rng=self.rng
                    )
                except StatesError as err:
                    raise fail_data(frame, err, "Condition") from None
            if not isinstance(holds, bool):
                raise fail_data(
                    frame,
                    StatesError(
                        STATES_QUERY_EVALUATION_ERROR,
                        f"The Condition expression '{condition}' specified for the "
                        f"field '{field}' returned a non-boolean result.",
                    ),
                    "Condition",
                )
            if holds:
                return self._choose(frame, state, rule, rule["Next"])
        return self._choose(frame, state, state, state.get("Default"))

    def _choose(
        self,
        frame: Frame,
        state: dict[str, Any],
        rule: dict[str, Any],
        following: str | None,
        *,
        effective: Any = None,
    ) -> str:
        if following is None:
            raise StateFailure(STATES_NO_CHOICE, f"No Matches! for state '{frame['state']}'")
        if is_jsonata(self, state):
            binding = states_binding(self, frame)
            output = frame["input"]
            output_source = rule if "Output" in rule else state
            if "Output" in output_source:
                output = eval_jsonata(self, frame, output_source["Output"], "Output", binding)
            assigned = {}
            if "Assign" in rule:
                assigned = eval_jsonata(self, frame, rule["Assign"], "Assign", binding)
            return self.exit_state(frame, state, output, assigned, next_state=following)
        context = context_object(self, frame)
        assigned = assign_jsonpath(self, frame, rule, effective, context)
        output = run_jsonpath(
            frame,
            lambda: apply_output_path(
                effective, state.get("OutputPath", "$"), context, frame["vars"]
            ),
        )
        return self.exit_state(frame, state, output, assigned, next_state=following)

    def _run_wait(self, frame: Frame, state: dict[str, Any]) -> str:
        work = frame["work"]
        if "until" not in work:
            effective = (
                frame["input"]
                if is_jsonata(self, state)
                else effective_input(self, frame, state, "-")
            )
            work["until"] = self._wait_until(frame, state, effective)
            work["effective"] = effective
            frame["wake_at"] = work["until"]
        if self.now() < work["until"]:
            return BLOCKED
        frame["wake_at"] = None
        if is_jsonata(self, state):
            output, assigned = state_output(self, frame, state, frame["input"])
        else:
            output, assigned = state_output(self, frame, state, work["effective"], result_key=None)
        return self.exit_state(frame, state, output, assigned)

    def _wait_until(self, frame: Frame, state: dict[str, Any], effective: Any) -> float:
        """When the Wait state ends: from Seconds, SecondsPath, Timestamp or TimestampPath."""
        if is_jsonata(self, state):
            until = self._wait_until_jsonata(frame, state)
        elif "Seconds" in state:
            until = frame["entered_time"] + float(state["Seconds"])
        elif "SecondsPath" in state:
            seconds = self._wait_path_value(frame, state["SecondsPath"], "SecondsPath", effective)
            until = frame["entered_time"] + float(self._wait_seconds(frame, seconds, state))
        else:
            field = "Timestamp" if "Timestamp" in state else "TimestampPath"
            value = state.get("Timestamp")
            if field == "TimestampPath":
                value = self._wait_path_value(frame, state[field], field, effective)
            moment = parse_timestamp(value)
            if moment is None:
                raise fail_data(
                    frame,
                    StatesError(
                        STATES_RUNTIME,
                        f"The {field} parameter does not reference a valid ISO-8601 extended "
                        f"offset date-time format string: {state[field]} == {_raw(value)}",
                    ),
                )
            until = moment.timestamp()
        if until - self.now() > _MAX_WAIT_SECONDS:
            too_long = StatesError(STATES_RUNTIME, "Wait state delay is too long.")
            raise fail_data(frame, too_long)
        return until

    def _wait_path_value(self, frame: Frame, path: str, field: str, effective: Any) -> Any:
        context = context_object(self, frame)
        try:
            return resolve_path(path, effective, context, frame["vars"])
        except JsonPathNotFoundError:
            cause = f"The {field} parameter does not reference an input value: {path}"
            raise fail_data(frame, StatesError(STATES_RUNTIME, cause)) from None
        except StatesError as err:
            raise fail_data(frame, err) from None

    def _wait_seconds(self, frame: Frame, seconds: Any, state: dict[str, Any]) -> int:
        """A SecondsPath value: a non-negative integer."""
        if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds >= 0:
            return seconds
        path = state["SecondsPath"]
        problem = "cannot be parsed as a long value"
        if isinstance(seconds, int) and not isinstance(seconds, bool):
            problem = "references a negative value"
        cause = f"The SecondsPath parameter {problem}: {path} == {_raw(seconds)}"
        raise fail_data(frame, StatesError(STATES_RUNTIME, cause))

    def _wait_until_jsonata(self, frame: Frame, state: dict[str, Any]) -> float:
        """JSONata: Seconds or Timestamp, each a literal or an expression."""
        field = "Seconds" if "Seconds" in state else "Timestamp"
        value = field_value(self, frame, state, field, frame["input"])
        if field == "Seconds":
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                return float(frame["entered_time"] + value)
            problem = "cannot be parsed as a long value"
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                problem = "references a negative value"
            cause = f"The Seconds field {problem}: {_raw(value)}"
        else:
            moment = parse_timestamp(value)
            if moment is not None:
                return moment.timestamp()
            cause = (
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
                f"format string: {_raw(value)}"
            )
        error = StatesError(STATES_QUERY_EVALUATION_ERROR, cause)
        raise fail_data(frame, error, field)

    # --- Task ---------------------------------------------------------------------------------
    def _run_task(self, frame: Frame, state: dict[str, Any]) -> str:
        work = frame["work"]
        resource = parse_resource(state["Resource"])
        if "parameters" not in work:
            frame["signal"] = None
            if resource.wait_for_token:
                frame["token"] = new_task_token()  # a new token for every attempt
            work["parameters"] = effective_input(self, frame, state, "Parameters")
            work["timeout"] = self._seconds_field(frame, state, "TimeoutSeconds")
            work["heartbeat"] = self._seconds_field(frame, state, "HeartbeatSeconds")
            self._task_scheduled(frame, resource, work)
            frame["phase"] = "call"
            return MOVED
        phase = frame["phase"]
        if phase == "call":
            return self._task_call(frame, state, resource, work)
        if phase == "token":
            return self._task_wait(frame, resource, work)
        if phase == "result":
            output, assigned = state_output(self, frame, state, work.pop("result"))
            return self.exit_state(frame, state, output, assigned)
        msg = f"unknown task phase {phase!r}"
        raise AssertionError(msg)

    def _seconds_field(self, frame: Frame, state: dict[str, Any], name: str) -> float | None:
        value = field_value(self, frame, state, name, frame["input"])
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

    def _task_scheduled(self, frame: Frame, resource: Resource, work: dict[str, Any]) -> None:
        if resource.legacy_lambda:
            details: dict[str, Any] = {
                "resource": self.state_of(frame)["Resource"],
                "input": to_json(work["parameters"]),
                "inputDetails": {"truncated": False},
            }
            if work["timeout"] is not None:
                details["timeoutInSeconds"] = int(work["timeout"])
            self.emit(
                frame, "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", details
            )
            return
        details = {
            "resourceType": resource.resource_type,
            "resource": resource.event_resource,
            "region": self.context_base["StateMachine"]["Id"].split(":")[3],
            "parameters": to_json(work["parameters"]),
        }
        if work["timeout"] is not None:
            details["timeoutInSeconds"] = int(work["timeout"])
        if work["heartbeat"] is not None:
            details["heartbeatInSeconds"] = int(work["heartbeat"])
        self.emit(frame, "TaskScheduled", "taskScheduledEventDetails", details)

    def _task_details(self, resource: Resource, **extra: Any) -> dict[str, Any]:
        return {
            "resourceType": resource.resource_type,
            "resource": resource.event_resource,
            **extra,
        }

    def _task_request(self, frame: Frame, state: dict[str, Any], resource: Resource) -> TaskRequest:
        work = frame["work"]
        return TaskRequest(
            resource=state["Resource"],
            service=resource.service,
            action=resource.action,
            wait_for_token=resource.wait_for_token,
            parameters=work["parameters"],
            token=frame.get("token"),
            timeout_seconds=work["timeout"],
            execution_arn=self.context_base["Execution"]["Id"],
        )

    def _task_call(
        self, frame: Frame, state: dict[str, Any], resource: Resource, work: dict[str, Any]
    ) -> str:
        started_call = self._started_call(frame)
        if started_call is not None:
            started = started_call.at
            if not started_call.call.done():
                timeout_at = started_call.timeout_at
                if timeout_at is None or self.now() < timeout_at:
                    return BLOCKED
                # The state's TimeoutSeconds ended it; the call's result is not waited for.
                del self._started[id(frame)]
                self._task_started(frame, resource, started)
                self._task_failed(frame, resource, STATES_TIMEOUT, None, timed_out=True)
                raise StateFailure(STATES_TIMEOUT, None)
            del self._started[id(frame)]
            call: Callable[[], Any] = started_call.call.result
        else:
            started = self.now()
            call = partial(self.integrations.call, self._task_request(frame, state, resource))
        self._task_started(frame, resource, started)
        try:
            result = call()
        except StatesError as err:
            self._task_failed(frame, resource, err.error, err.cause)
            raise StateFailure(err.error, err.cause) from None
        timeout = work["timeout"]
        if not resource.wait_for_token and timeout is not None and self.now() - started > timeout:
            # A call is not interrupted locally, but one that took longer than the state's
            # TimeoutSeconds ends the way AWS ends it: States.Timeout.
            self._task_failed(frame, resource, STATES_TIMEOUT, None, timed_out=True)
            raise StateFailure(STATES_TIMEOUT, None)
        if resource.wait_for_token:
            self.emit(
                frame,
                "TaskSubmitted",
                "taskSubmittedEventDetails",
                self._task_details(
                    resource, output=to_json(result), outputDetails={"truncated": False}
                ),
            )
            frame["phase"] = "token"
            if work["timeout"] is not None:
                work["deadline"] = started + work["timeout"]
            if work["heartbeat"] is not None:
                frame["heartbeat_seconds"] = work["heartbeat"]
                frame["heartbeat_at"] = started + work["heartbeat"]
            return MOVED
        self._task_succeeded(frame, resource, result, work)
        return MOVED

    def _task_started(self, frame: Frame, resource: Resource, at: float) -> None:
        if resource.legacy_lambda:
            self.emit(frame, "LambdaFunctionStarted", None, None, at=at)
        else:
            details = self._task_details(resource)
            self.emit(frame, "TaskStarted", "taskStartedEventDetails", details, at=at)

    def _task_succeeded(
        self, frame: Frame, resource: Resource, result: Any, work: dict[str, Any]
    ) -> None:
        if resource.legacy_lambda:
            self.emit(
                frame,
                "LambdaFunctionSucceeded",
                "lambdaFunctionSucceededEventDetails",
                {"output": to_json(result), "outputDetails": {"truncated": False}},
            )
        else:
            self.emit(
                frame,
                "TaskSucceeded",
                "taskSucceededEventDetails",
                self._task_details(
                    resource, output=to_json(result), outputDetails={"truncated": False}
                ),
            )
        work["result"] = result
        frame["phase"] = "result"

    def _task_failed(
        self,
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
            self.emit(frame, kind, key, details)
            return
        kind = "TaskTimedOut" if timed_out else "TaskFailed"
        key = "taskTimedOutEventDetails" if timed_out else "taskFailedEventDetails"
        self.emit(frame, kind, key, self._task_details(resource, **details))

    def _task_wait(self, frame: Frame, resource: Resource, work: dict[str, Any]) -> str:
        signal = frame.get("signal")
        now = self.now()
        if signal is not None:
            frame.update(signal=None, heartbeat_at=None)
            if "output" in signal:
                self._task_succeeded(frame, resource, signal["output"], work)
                return MOVED
            error = signal.get("error") or ""
            self._task_failed(frame, resource, error, signal.get("cause"))
            raise StateFailure(error, signal.get("cause"))
        timeouts = [
            (work.get("deadline"), STATES_TIMEOUT),
            (frame.get("heartbeat_at"), STATES_HEARTBEAT_TIMEOUT),
        ]
        for deadline, error in timeouts:
            if deadline is not None and now >= deadline:
                frame.update(heartbeat_at=None, timed_out=True)
                self._task_failed(frame, resource, error, None, timed_out=True)
                raise StateFailure(error, None)
        return BLOCKED

    # --- Parallel and Map ---------------------------------------------------------------------
    def _run_parallel(self, frame: Frame, state: dict[str, Any]) -> str:
        work = frame["work"]
        if "children" not in work:
            if "effective" not in work:
                work["effective"] = effective_input(self, frame, state, "Parameters")
            self.emit(frame, "ParallelStateStarted", None, None)
            base = frame["block"] + ["States", frame["state"], "Branches"]
            work["children"] = [
                self._new_frame(
                    [*base, index],
                    branch["StartAt"],
                    copy_json(work["effective"]),
                    variables=dict(frame["vars"]),
                    prev=frame["prev"],
                )
                for index, branch in enumerate(state["Branches"])
            ]
            return MOVED
        children: list[Frame] = work["children"]
        progress = self._step_children(children)
        failed = next((child for child in children if child["status"] == "failed"), None)
        if failed is not None:
            frame["prev"] = failed["prev"]
            del work["children"]
            raise StateFailure(failed["error"], failed["cause"], from_child=True)
        if all(child["status"] == "succeeded" for child in children):
            last = max(child["prev"] for child in children)
            self.emit(frame, "ParallelStateSucceeded", None, None, prev=last)
            del work["children"]
            output, assigned = state_output(
                self, frame, state, [child["output"] for child in children]
            )
            return self.exit_state(frame, state, output, assigned)
        return progress

    def _step_children(self, children: list[Frame], *, executions: bool = False) -> str:
        """One step of each running child; ``executions``: each is a child execution."""
        progress = BLOCKED
        for child in children:
            if child["status"] != "running":
                continue
            if executions:
                self._child_executions.append(child)
            try:
                if self._advance(child) == MOVED:
                    progress = MOVED
            finally:
                if executions:
                    self._child_executions.pop()
        return progress

    def _run_map(self, frame: Frame, state: dict[str, Any]) -> str:
        work = frame["work"]
        if "results" not in work:
            return self._map_start(frame, state, work)
        return self._map_iterate(frame, state, work)

    def _map_start(self, frame: Frame, state: dict[str, Any], work: dict[str, Any]) -> str:
        """MaxConcurrency, the items, ``MapStateStarted``, the tolerated failures (AWS reads
        them after the start event) and, for a distributed Map, ``MapRunStarted``."""
        jsonata = is_jsonata(self, state)
        effective = frame["input"] if jsonata else effective_input(self, frame, state, "-")
        concurrency = self._map_number(frame, state, "MaxConcurrency", effective)
        items = self._map_items(frame, state, effective)
        self.emit(frame, "MapStateStarted", "mapStateStartedEventDetails", {"length": len(items)})
        tolerated_count = self._map_number(frame, state, "ToleratedFailureCount", effective)
        tolerated_percentage = self._map_number(
            frame, state, "ToleratedFailurePercentage", effective
        )
        if self._distributed(state):
            execution_arn: str = self.context_base["Execution"]["Id"]
            map_run = execution_arn.replace(":execution:", ":mapRun:", 1).rsplit(":", 1)
            label = state.get("Label", frame["state"])
            run_arn = f"{map_run[0]}/{label}:{secrets.token_hex(8)}"
            self.emit(frame, "MapRunStarted", "mapRunStartedEventDetails", {"mapRunArn": run_arn})
        work.update(
            effective=effective,
            items=items,
            concurrency=int(concurrency or 0),
            tolerated_count=tolerated_count,
            tolerated_percentage=tolerated_percentage,
            results=[None] * len(items),
            next=0,
            running=[],
            failures=0,
            finished=0,
        )
        return MOVED

    def _map_items(self, frame: Frame, state: dict[str, Any], effective: Any) -> list[Any]:
        """The array to iterate: JSONata ``Items`` (or the input), JSONPath ``ItemsPath``."""
        if is_jsonata(self, state):
            if "Items" not in state:
                if isinstance(effective, list):
                    return effective
                cause = f"Map state input must be an array but was: {to_json(effective)}"
                error = StatesError(STATES_QUERY_EVALUATION_ERROR, cause)
                raise fail_data(frame, error, "")
            template = state["Items"]
            items = eval_jsonata(self, frame, template, "Items", states_binding(self, frame))
            if isinstance(items, list):
                return items
            expression = template[2:-2].strip() if is_jsonata_expression(template) else template
            cause = (
                f"The JSONata expression '{expression}' specified for the field 'Items' "
                f"returned an unexpected result type. Expected 'array', but was "
                f"'{_json_type(items)}' for value: {to_json(items)}"
            )
            raise fail_data(frame, StatesError(STATES_QUERY_EVALUATION_ERROR, cause), "Items")
        if "Items" in state:
            items = state["Items"]
        else:
            items_path = state.get("ItemsPath", "$")
            context = context_object(self, frame)
            items = run_jsonpath(
                frame, lambda: resolve_path(items_path, effective, context, frame["vars"])
            )
        if not isinstance(items, list):
            raise fail_data(
                frame,
                StatesError(
                    STATES_RUNTIME,
                    f"Invalid path '{state.get('ItemsPath', '$')}': the value must be a JSON "
                    f"array, but was {to_json(items)}",
                ),
            )
        return items

    def _map_number(
        self, frame: Frame, state: dict[str, Any], name: str, effective: Any
    ) -> float | None:
        """MaxConcurrency, ToleratedFailureCount or ToleratedFailurePercentage (or its
        ``Path`` form), checked as AWS checks it; None when the state does not set it."""
        value = field_value(self, frame, state, name, effective)
        if value is None:
            return None
        percentage = name == "ToleratedFailurePercentage"
        number = _as_number(value, integer=not percentage)
        if number is None:
            field = f"{name}Path" if f"{name}Path" in state else name
            source = state.get(field)
            if isinstance(source, str) and is_jsonata_expression(source):
                source = source[2:-2].strip()
            kind = "float" if percentage else "integer"
            cause = (
                f'The {field} field refers to value "{_raw(value)}" which is not a valid '
                f"{kind}: {source}"
            )
        elif percentage and not 0 <= number <= 100:  # noqa: PLR2004 - a percentage
            cause = "ToleratedFailurePercentage must be between 0 and 100."
        elif number < 0 and name == "ToleratedFailureCount":
            cause = "ToleratedFailureCount cannot be negative."
        elif number < 0:
            cause = f"Expected non-negative integer for MaxConcurrency, got '{value}' instead."
        else:
            return number
        raise fail_data(frame, StatesError(STATES_RUNTIME, cause))

    def _processor(self, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        key = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
        return key, state[key]

    def _distributed(self, state: dict[str, Any]) -> bool:
        _, processor = self._processor(state)
        mode: str | None = processor.get("ProcessorConfig", {}).get("Mode")
        return mode == "DISTRIBUTED"

    def _map_iterate(self, frame: Frame, state: dict[str, Any], work: dict[str, Any]) -> str:
        distributed = self._distributed(state)
        items: list[Any] = work["items"]
        running: list[Frame] = work["running"]
        limit = work["concurrency"] or len(items)
        progress = BLOCKED
        while work["next"] < len(items) and len(running) < max(limit, 1):
            running.append(self._map_iteration(frame, state, work, work["next"], distributed))
            work["next"] += 1
            progress = MOVED
        if running and self._step_children(running, executions=distributed) == MOVED:
            progress = MOVED
        for child in [c for c in running if c["status"] != "running"]:
            running.remove(child)
            index = child["index"]
            work["finished"] += 1
            if not distributed:
                kind = "Succeeded" if child["status"] == "succeeded" else "Failed"
                work["last_iteration_event"] = self.emit(
                    frame,
                    f"MapIteration{kind}",
                    f"mapIteration{kind}EventDetails",
                    {"index": index, "name": frame["state"]},
                    prev=child["prev"],
                    advance=False,
                )
                frame["prev"] = child["prev"]
            if child["status"] == "succeeded":
                work["results"][index] = child["output"]
            else:
                work["failures"] += 1
                if not self._tolerated(work, len(items)):
                    return self._map_failed(frame, work, running, child, distributed)
            progress = MOVED
        if work["finished"] == len(items):
            return self._map_succeeded(frame, state, work, distributed)
        return progress

    def _map_iteration(
        self,
        frame: Frame,
        state: dict[str, Any],
        work: dict[str, Any],
        index: int,
        distributed: bool,  # noqa: FBT001
    ) -> Frame:
        item = {"Index": index, "Value": work["items"][index]}
        if not distributed:
            self.emit(
                frame,
                "MapIterationStarted",
                "mapIterationStartedEventDetails",
                {"index": index, "name": frame["state"]},
            )
        value = self._item_input(frame, state, work, item)
        key, processor = self._processor(state)
        child = self._new_frame(
            [*frame["block"], "States", frame["state"], key],
            processor["StartAt"],
            value,
            variables=dict(frame["vars"]),
            prev=0 if distributed else frame["prev"],
        )
        child["index"] = index
        if distributed:
            child["child_next_id"] = 2  # after the child execution's ExecutionStarted
        return child

    def _item_input(
        self, frame: Frame, state: dict[str, Any], work: dict[str, Any], item: dict[str, Any]
    ) -> Any:
        selector_key = "ItemSelector" if "ItemSelector" in state else "Parameters"
        if selector_key not in state:
            return copy_json(item["Value"])
        context = {**context_object(self, frame), "Map": {"Item": item}}
        if is_jsonata(self, state):
            binding = {"input": frame["input"], "context": context}
            return eval_jsonata(self, frame, state[selector_key], selector_key, binding)
        template = state[selector_key]
        return run_jsonpath(
            frame,
            lambda: render_template(
                template, work["effective"], context, frame["vars"], rng=self.rng
            ),
        )

    def _tolerated(self, work: dict[str, Any], total: int) -> bool:
        count = work.get("tolerated_count")
        percentage = work.get("tolerated_percentage")
        if count is None and percentage is None:
            return False
        if count is not None and work["failures"] <= count:
            return True
        return bool(percentage is not None and work["failures"] * 100 <= percentage * total)

    def _map_failed(
        self,
        frame: Frame,
        work: dict[str, Any],
        running: list[Frame],
        failed: Frame,
        distributed: bool,  # noqa: FBT001
    ) -> str:
        if distributed:
            self.emit(frame, "MapRunFailed", "mapRunFailedEventDetails", {})
        else:
            for child in running:
                self.emit(
                    frame,
                    "MapIterationAborted",
                    "mapIterationAbortedEventDetails",
                    {"index": child["index"], "name": frame["state"]},
                    advance=False,
                )
            frame["prev"] = failed["prev"]
        tolerance = work.get("tolerated_count") is not None or (
            work.get("tolerated_percentage") is not None
        )
        for key in ("items", "results", "running"):
            work.pop(key, None)
        if distributed or tolerance:
            raise StateFailure(
                STATES_TOLERATED_FAILURE,
                "The specified tolerated failure threshold was exceeded",
                from_child=True,
            )
        raise StateFailure(failed["error"], failed["cause"], from_child=True)

    def _map_succeeded(
        self,
        frame: Frame,
        state: dict[str, Any],
        work: dict[str, Any],
        distributed: bool,  # noqa: FBT001
    ) -> str:
        if distributed:
            self.emit(frame, "MapRunSucceeded", None, None)
        elif "last_iteration_event" in work:
            frame["prev"] = work["last_iteration_event"]
        self.emit(frame, "MapStateSucceeded", None, None, advance=False)
        results = work.pop("results")
        work.pop("items", None)
        output, assigned = state_output(self, frame, state, results)
        return self.exit_state(frame, state, output, assigned)


_INTEGER_TEXT = re.compile(r"-?\d+")
_NUMBER_TEXT = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def _as_number(value: Any, *, integer: bool) -> float | None:
    """A JSON number (or a string holding one) as AWS reads an integer or float field."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        pattern = _INTEGER_TEXT if integer else _NUMBER_TEXT
        if pattern.fullmatch(value) is None:
            return None
        return int(value) if integer else float(value)
    if isinstance(value, int) or (isinstance(value, float) and not integer):
        return value
    return None


def _raw(value: Any) -> str:
    """A value as AWS quotes it in a cause: a string as it is, anything else as JSON."""
    return value if isinstance(value, str) else to_json(value)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    return "array"


def awaits_reply(frame: Frame) -> bool:
    """Can a task-token reply arrive for this frame? While it waits for one, and while its call
    is still to be made: a reply can overtake the step that records the call (a crash in
    between); it is kept on the frame and taken once the call has been made again."""
    return frame["status"] == "running" and frame["phase"] in {"call", "token"}


def _children(frame: Frame) -> list[Frame]:
    work = frame.get("work") or {}
    children: list[Frame] = work.get("children") or work.get("running") or []
    return children


def _frames(frame: Frame) -> list[Frame]:
    found = [frame]
    for child in _children(frame):
        found.extend(_frames(child))
    return found


def _frame_times(frame: Frame) -> list[float | None]:
    times: list[float | None] = []
    for each in _frames(frame):
        if each["status"] != "running":
            continue
        times.append(each.get("wake_at"))
        times.append(each.get("heartbeat_at"))
        times.append((each.get("work") or {}).get("deadline"))
    return times
