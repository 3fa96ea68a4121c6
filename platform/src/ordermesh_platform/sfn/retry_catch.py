"""What happens when a state fails: its Retry, then its Catch, else the frame fails.

``handle_failure`` takes the ``StateFailure`` a step of a state raised. A JSONata evaluation
failure is recorded first (``EvaluationFailed``). Only Task, Parallel and Map states retry and
catch: the first retrier whose ``ErrorEquals`` matches decides (its back-off, with
``MaxDelaySeconds`` and full jitter, blocks the frame until ``wake_at``; when its attempts are
used up, no later retrier is tried), then the first matching catcher sends the error output to
its ``Next``. ``States.ALL`` and ``States.TaskFailed`` do not match the terminal errors
(``States.Runtime``, ``States.DataLimitExceeded``), and ``States.TaskFailed`` not
``States.Timeout``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ordermesh_platform.sfn.dataflow import (
    RETRYING_TYPES,
    assign_jsonpath,
    context_object,
    is_jsonata,
    jsonata_output,
    run_jsonpath,
    states_binding,
)
from ordermesh_platform.sfn.errors import (
    STATES_ALL,
    STATES_DATA_LIMIT,
    STATES_RUNTIME,
    STATES_TASK_FAILED,
    STATES_TIMEOUT,
)
from ordermesh_platform.sfn.jsonpath import apply_result_path
from ordermesh_platform.sfn.step import MOVED, Frame, StateFailure

if TYPE_CHECKING:
    from ordermesh_platform.sfn.interpreter import Execution

# States.ALL does not catch these terminal errors.
_UNCATCHABLE = frozenset({STATES_RUNTIME, STATES_DATA_LIMIT})


def handle_failure(
    execution: Execution, frame: Frame, state: dict[str, Any], failure: StateFailure
) -> str:
    """Retry the state, or catch its failure, or fail the frame."""
    if failure.evaluation is not None:
        _evaluation_failed(execution, frame, state, failure)
    retrying = state["Type"] in RETRYING_TYPES
    if retrying and _retry(execution, frame, state, failure):
        return MOVED
    # A Parallel or Map state that fails records it, unless the error ends the execution
    # at once (States.Runtime: the state's own data flow failed).
    if state["Type"] in {"Parallel", "Map"} and (
        failure.from_child or failure.error not in _UNCATCHABLE
    ):
        execution.emit(frame, f"{state['Type']}StateFailed", None, None)
    if retrying and _catch(execution, frame, state, failure):
        return MOVED
    frame.update(status="failed", error=failure.error, cause=failure.cause, phase="done")
    return MOVED


def _evaluation_failed(
    execution: Execution, frame: Frame, state: dict[str, Any], failure: StateFailure
) -> None:
    details: dict[str, Any] = {"error": failure.error, "cause": failure.cause}
    if failure.evaluation:
        details["location"] = failure.evaluation
    details["state"] = frame["state"]
    # AWS links the event to the state's entered event for a Wait (evaluated once entered)
    # and to the event before it for the states that evaluate as they enter.
    prev = frame["entered"] if state["Type"] == "Wait" else frame.get("entered_prev", 0)
    execution.emit(frame, "EvaluationFailed", "evaluationFailedEventDetails", details, prev=prev)


def _retry(
    execution: Execution, frame: Frame, state: dict[str, Any], failure: StateFailure
) -> bool:
    for index, retrier in enumerate(state.get("Retry", [])):
        if not _error_matches(retrier["ErrorEquals"], failure.error):
            continue
        attempts = frame["retry"].get(str(index), 0)
        if attempts >= retrier.get("MaxAttempts", 3):
            return False
        frame["retry"][str(index)] = attempts + 1
        frame["retry_count"] += 1
        delay = retrier.get("IntervalSeconds", 1) * retrier.get("BackoffRate", 2.0) ** attempts
        if "MaxDelaySeconds" in retrier:
            delay = min(delay, retrier["MaxDelaySeconds"])
        if retrier.get("JitterStrategy") == "FULL":
            delay = execution.rng.uniform(0, delay)
        work = frame["work"]
        for key in ("children", "results", "items", "running"):
            work.pop(key, None)
        work.pop("parameters", None)  # a Task's input is evaluated again (a new token)
        work["resume_phase"] = "run"
        frame["phase"] = "retry-wait"
        frame["wake_at"] = execution.now() + delay
        return True
    return False


def _catch(
    execution: Execution, frame: Frame, state: dict[str, Any], failure: StateFailure
) -> bool:
    for catcher in state.get("Catch", []):
        if _error_matches(catcher["ErrorEquals"], failure.error):
            _caught(execution, frame, state, failure, catcher)
            return True
    return False


def _caught(
    execution: Execution,
    frame: Frame,
    state: dict[str, Any],
    failure: StateFailure,
    catcher: dict[str, Any],
) -> None:
    """Go to the catcher's Next with the error output (through ResultPath or Output)."""
    error_output: dict[str, Any] = {"Error": failure.error}
    if failure.cause is not None:
        error_output["Cause"] = failure.cause
    if is_jsonata(execution, state):
        binding = states_binding(execution, frame, errorOutput=error_output)
        output, assigned = jsonata_output(execution, frame, catcher, error_output, binding)
    else:
        context = context_object(execution, frame)
        assigned = assign_jsonpath(execution, frame, catcher, error_output, context)
        result_path = catcher.get("ResultPath", "$")
        output = run_jsonpath(
            frame, lambda: apply_result_path(frame["input"], error_output, result_path)
        )
    frame["work"] = {}
    execution.exit_state(frame, state, output, assigned, next_state=catcher["Next"])


def _error_matches(names: list[str], error: str) -> bool:
    """Does a retrier's or catcher's ``ErrorEquals`` match ``error``?"""
    for name in names:
        if name == error:
            return True
        if name == STATES_ALL and error not in _UNCATCHABLE:
            return True
        if name == STATES_TASK_FAILED and error not in _UNCATCHABLE and error != STATES_TIMEOUT:
            return True
    return False
