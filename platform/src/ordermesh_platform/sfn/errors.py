"""Runtime errors of the Step Functions engine, named exactly as AWS names them.

A ``StatesError`` carries the AWS error name (``States.Runtime``, ...) and the cause text. The
cause is the part AWS writes after its state prefix ("An error occurred while executing the state
'X' (entered at the event id #N). "): the interpreter adds that prefix, because only it knows the
state name and event id.
"""

from __future__ import annotations

STATES_RUNTIME = "States.Runtime"
STATES_INTRINSIC_FAILURE = "States.IntrinsicFailure"
STATES_QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
STATES_RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
STATES_ALL = "States.ALL"
STATES_TASK_FAILED = "States.TaskFailed"
STATES_TIMEOUT = "States.Timeout"
STATES_HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
STATES_DATA_LIMIT = "States.DataLimitExceeded"
STATES_NO_CHOICE = "States.NoChoiceMatched"
STATES_BRANCH_FAILED = "States.BranchFailed"
STATES_TOLERATED_FAILURE = "States.ExceedToleratedFailureThreshold"


class StatesError(Exception):
    """A Step Functions runtime error: ``error`` is the AWS error name, ``cause`` the message,
    ``location`` the field that failed to evaluate (``Output/result``), when AWS names one."""

    def __init__(self, error: str, cause: str, *, location: str | None = None) -> None:
        super().__init__(cause)
        self.error = error
        self.cause = cause
        self.location = location

    def __str__(self) -> str:
        return self.cause

    def __repr__(self) -> str:
        return f"StatesError({self.error!r}, {self.cause!r})"
