"""One step of a frame: what it returns, and how a state fails.

A frame is one walk through a block of states (the top level, a Parallel branch or a Map
iteration), stored as plain JSON. A step of it returns ``MOVED``, ``BLOCKED`` (waiting for a
time or a signal) or ``DONE``, or raises ``StateFailure``, which the state's Retry and Catch
handle (``sfn.retry_catch``) or pass up to the frame.
"""

from __future__ import annotations

from typing import Any

from ordermesh_platform.sfn.errors import STATES_QUERY_EVALUATION_ERROR, StatesError

Frame = dict[str, Any]

MOVED = "MOVED"
BLOCKED = "BLOCKED"
DONE = "DONE"

_PREFIX = "An error occurred while executing the state '{}' (entered at the event id #{}). "


class StateFailure(Exception):  # noqa: N818 - a control-flow signal, not an error type
    """A state failed: handled by its Retry/Catch or passed up to the frame."""

    def __init__(
        self,
        error: str,
        cause: str | None,
        *,
        evaluation: str | None = None,
        from_child: bool = False,
    ) -> None:
        super().__init__(cause)
        self.error = error
        self.cause = cause
        # The JSONata field, when the failure is an evaluation ("" when AWS names no field).
        self.evaluation = evaluation
        self.from_child = from_child  # a Parallel branch or Map iteration failed


def fail_data(frame: Frame, err: StatesError, field: str | None = None) -> StateFailure:
    """The failure of a state's data flow: the error with AWS's cause prefix (the state and the
    event id it was entered at) and, for a JSONata evaluation, the field that failed."""
    cause = _PREFIX.format(frame["state"], frame["entered"]) + err.cause
    evaluation = field if err.error == STATES_QUERY_EVALUATION_ERROR else None
    return StateFailure(err.error, cause, evaluation=evaluation)
