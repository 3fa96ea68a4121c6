"""Wait: the frame blocks until a time, then the state passes its input on.

The time is ``Seconds`` or ``SecondsPath`` after the state was entered, or ``Timestamp`` or
``TimestampPath`` (JSONata: ``Seconds`` or ``Timestamp``, each a literal or an expression),
worked out once, in the step after ``WaitStateEntered``; the frame's ``wake_at`` tells the
engine when to step it again. A delay over AWS's limit, a negative or non-integer number of
seconds and a timestamp that is not ISO-8601 fail the state as AWS fails it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ordermesh_platform.sfn.choice import parse_timestamp
from ordermesh_platform.sfn.dataflow import (
    context_object,
    effective_input,
    field_value,
    is_jsonata,
    state_output,
)
from ordermesh_platform.sfn.errors import (
    STATES_QUERY_EVALUATION_ERROR,
    STATES_RUNTIME,
    StatesError,
)
from ordermesh_platform.sfn.json_text import cause_text
from ordermesh_platform.sfn.jsonpath import JsonPathNotFoundError, resolve_path
from ordermesh_platform.sfn.step import BLOCKED, Frame, fail_data

if TYPE_CHECKING:
    from ordermesh_platform.sfn.interpreter import Execution

# AWS counts a Wait state's delay in a signed 32-bit number of seconds (about 68 years).
_MAX_WAIT_SECONDS = 2**31 - 1


def run(execution: Execution, frame: Frame, state: dict[str, Any]) -> str:
    work = frame["work"]
    if "until" not in work:
        effective = (
            frame["input"]
            if is_jsonata(execution, state)
            else effective_input(execution, frame, state, "-")
        )
        work["until"] = _wait_until(execution, frame, state, effective)
        work["effective"] = effective
        frame["wake_at"] = work["until"]
    if execution.now() < work["until"]:
        return BLOCKED
    frame["wake_at"] = None
    if is_jsonata(execution, state):
        output, assigned = state_output(execution, frame, state, frame["input"])
    else:
        output, assigned = state_output(execution, frame, state, work["effective"], result_key=None)
    return execution.exit_state(frame, state, output, assigned)


def _wait_until(execution: Execution, frame: Frame, state: dict[str, Any], effective: Any) -> float:
    """When the Wait state ends: from Seconds, SecondsPath, Timestamp or TimestampPath."""
    if is_jsonata(execution, state):
        until = _wait_until_jsonata(execution, frame, state)
    elif "Seconds" in state:
        until = frame["entered_time"] + float(state["Seconds"])
    elif "SecondsPath" in state:
        seconds = _wait_path_value(execution, frame, state["SecondsPath"], "SecondsPath", effective)
        until = frame["entered_time"] + float(_wait_seconds(frame, seconds, state))
    else:
        field = "Timestamp" if "Timestamp" in state else "TimestampPath"
        value = state.get("Timestamp")
        if field == "TimestampPath":
            value = _wait_path_value(execution, frame, state[field], field, effective)
        moment = parse_timestamp(value)
        if moment is None:
            raise fail_data(
                frame,
                StatesError(
                    STATES_RUNTIME,
                    f"The {field} parameter does not reference a valid ISO-8601 extended "
                    f"offset date-time format string: {state[field]} == {cause_text(value)}",
                ),
            )
        until = moment.timestamp()
    if until - execution.now() > _MAX_WAIT_SECONDS:
        too_long = StatesError(STATES_RUNTIME, "Wait state delay is too long.")
        raise fail_data(frame, too_long)
    return until


def _wait_path_value(
    execution: Execution, frame: Frame, path: str, field: str, effective: Any
) -> Any:
    context = context_object(execution, frame)
    try:
        return resolve_path(path, effective, context, frame["vars"])
    except JsonPathNotFoundError:
        cause = f"The {field} parameter does not reference an input value: {path}"
        raise fail_data(frame, StatesError(STATES_RUNTIME, cause)) from None
    except StatesError as err:
        raise fail_data(frame, err) from None


def _wait_seconds(frame: Frame, seconds: Any, state: dict[str, Any]) -> int:
    """A SecondsPath value: a non-negative integer."""
    if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds >= 0:
        return seconds
    path = state["SecondsPath"]
    problem = "cannot be parsed as a long value"
    if isinstance(seconds, int) and not isinstance(seconds, bool):
        problem = "references a negative value"
    cause = f"The SecondsPath parameter {problem}: {path} == {cause_text(seconds)}"
    raise fail_data(frame, StatesError(STATES_RUNTIME, cause))


def _wait_until_jsonata(execution: Execution, frame: Frame, state: dict[str, Any]) -> float:
    """JSONata: Seconds or Timestamp, each a literal or an expression."""
    field = "Seconds" if "Seconds" in state else "Timestamp"
    value = field_value(execution, frame, state, field, frame["input"])
    if field == "Seconds":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return float(frame["entered_time"] + value)
        problem = "cannot be parsed as a long value"
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            problem = "references a negative value"
        cause = f"The Seconds field {problem}: {cause_text(value)}"
    else:
        moment = parse_timestamp(value)
        if moment is not None:
            return moment.timestamp()
        cause = (
            "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
            f"format string: {cause_text(value)}"
        )
    error = StatesError(STATES_QUERY_EVALUATION_ERROR, cause)
    raise fail_data(frame, error, field)
