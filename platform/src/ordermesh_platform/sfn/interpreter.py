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

What each state type does is its module in ``sfn.states`` (``KINDS`` finds it by ``Type``);
a state's data flow (InputPath, Parameters or Arguments, ResultSelector, ResultPath, OutputPath,
Assign, and the context object) is ``sfn.dataflow``; a failed state's Retry and Catch are
``sfn.retry_catch``; what a step returns, and the failure a state raises, is ``sfn.step``; a new
frame's record and the walk through the tree of frames are ``sfn.frames``; AWS's error names are
``sfn.errors``. The names the engine, the integrations, tests and benchmarks
import from here stay importable from here (``__all__``) wherever they live now: ``MOVED``,
``BLOCKED``, ``DONE``, ``Frame``, and the Task's port (``Integrations``, ``NoIntegrations``,
``TaskRequest``, ``PendingCall``, ``awaits_reply``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from ordermesh_platform.sfn.dataflow import iso_millis
from ordermesh_platform.sfn.errors import STATES_DATA_LIMIT, STATES_TIMEOUT
from ordermesh_platform.sfn.frames import frame_times, new_frame, walk
from ordermesh_platform.sfn.json_text import to_json
from ordermesh_platform.sfn.retry_catch import handle_failure
from ordermesh_platform.sfn.states import KINDS
from ordermesh_platform.sfn.states.task import (
    CallsUnderWay,
    Integrations,
    NoIntegrations,
    PendingCall,
    TaskRequest,
    awaits_reply,
    deliver_signal,
)
from ordermesh_platform.sfn.step import BLOCKED, DONE, MOVED, Frame, StateFailure

__all__ = [
    "BLOCKED",
    "DONE",
    "MOVED",
    "Execution",
    "Frame",
    "Integrations",
    "NoIntegrations",
    "PendingCall",
    "TaskRequest",
    "awaits_reply",
]

MAX_PAYLOAD_BYTES = 262_144

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


class Execution:
    """One running (or finished) execution of a state machine definition: its frames, its
    history and its clock. It enters and leaves states; what a state does between is its
    type's ``run`` (``sfn.states``), and a failed state's Retry and Catch are ``sfn.retry_catch``.
    """

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
        self.calls = CallsUnderWay()  # the Task calls started before their step
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
        self.state["root"] = self.new_frame(
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
        times = [t for t in frame_times(self.root) if t is not None]
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
        return walk(self.root)

    def start_calls(self, notify: Callable[[], None]) -> bool:
        """Start the call of every frame about to make one, if the integration can make it
        without waiting (``notify`` is called when one is done). True if a frame's call is
        still to be made synchronously, by its next step."""
        return self.calls.start(self, notify)

    def calls_under_way(self) -> list[PendingCall]:
        """The started calls of frames still waiting for them."""
        return self.calls.under_way(walk(self.root))

    def call_done(self) -> bool:
        """Can a step take a started call's result (or its TimeoutSeconds)?"""
        return self.calls.done(self.now())

    def call_wait(self) -> float | None:
        """Seconds until a started call is done at the latest (its function's timeout or the
        state's TimeoutSeconds); ``None`` if none is under way."""
        return self.calls.wait(self.now())

    def deliver(self, token: str, signal: dict[str, Any]) -> bool:
        """Hand a task-token outcome (``{"output": ...}``, ``{"error":..,"cause":..}`` or
        ``{"heartbeat": True}``) to the frame waiting on ``token``. False if none waits."""
        return deliver_signal(self, token, signal)

    def stop(self, error: str | None, cause: str | None) -> None:
        """StopExecution: the execution ends ABORTED where it is."""
        details: dict[str, Any] = {}
        if error is not None:
            details["error"] = error
        if cause is not None:
            details["cause"] = cause
        self.emit(None, "ExecutionAborted", "executionAbortedEventDetails", details, prev=0)
        for frame in walk(self.root):
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
    def new_frame(
        self,
        block: list[Any],
        start: str,
        state_input: Any,
        *,
        variables: dict[str, Any],
        prev: int,
        item: dict[str, Any] | None = None,
    ) -> Frame:
        """A frame at the state ``start`` of ``block``, about to enter it (``sfn.frames``)."""
        return new_frame(
            block,
            start,
            state_input,
            variables=variables,
            prev=prev,
            entered_time=self.now(),
            item=item,
        )

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
        return KINDS[state["Type"]](self, frame, state)

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

    def step_children(self, children: list[Frame], *, executions: bool = False) -> str:
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
