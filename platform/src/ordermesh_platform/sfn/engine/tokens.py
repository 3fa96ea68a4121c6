"""Task tokens and the signals that reach a waiting execution.

Tokens are rows (``sfn_tokens``: open, closed, timed-out). ``SendTaskSuccess`` and friends store
a signal (``sfn_signals``) and make the execution due, so a token issued before a crash works
after it; the worker applies the signals before it steps the execution, and a late or second
reply gets AWS's ``TaskTimedOut`` or ``TaskDoesNotExist``. A ``StopExecution`` of an execution a
worker holds is a signal as well.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from ordermesh_platform.sfn.engine.persistence import EXECUTIONS_CHANNEL, compact_json
from ordermesh_platform.sfn.interpreter import Execution
from ordermesh_platform.shared.aws import AwsError
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{64}$")
_ERROR_MAX = 256
_CAUSE_MAX = 32_768


def check_error_and_cause(error: str | None, cause: str | None) -> None:
    if error is not None and len(error) > _ERROR_MAX:
        raise AwsError("ValidationException", f"error must be at most {_ERROR_MAX} characters")
    if cause is not None and len(cause) > _CAUSE_MAX:
        raise AwsError("ValidationException", f"cause must be at most {_CAUSE_MAX} characters")


def send_signal(
    store: Store, clock: Clock, token: str, signal: dict[str, Any], *, close: bool
) -> None:
    """Store ``signal`` for the execution ``token`` belongs to and make it due; with
    ``close``, the token takes no more replies."""
    if not _TOKEN.match(token or ""):
        raise AwsError("InvalidToken", "Invalid Token: 'The task token is malformed'")
    with store.write() as conn:
        row = conn.execute(
            "SELECT execution_arn, status FROM sfn_tokens WHERE token = ?", (token,)
        ).fetchone()
        if row is None or row["status"] == "closed":
            raise AwsError(
                "TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist'"
            )
        if row["status"] == "timed-out":
            raise AwsError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
        conn.execute(
            "INSERT INTO sfn_signals (execution_arn, token, signal) VALUES (?, ?, ?)",
            (row["execution_arn"], token, compact_json(signal)),
        )
        if close:
            conn.execute("UPDATE sfn_tokens SET status = 'closed' WHERE token = ?", (token,))
        conn.execute(
            "UPDATE sfn_executions SET next_at = ? WHERE arn = ?",
            (clock.now(), row["execution_arn"]),
        )
        store.notify(EXECUTIONS_CHANNEL)


def apply_signals(store: Store, arn: str, execution: Execution) -> int:
    """Deliver the execution's stored signals to it; the last one's ``seq`` (0: none)."""
    rows = (
        store.connection()
        .execute(
            "SELECT seq, token, signal FROM sfn_signals WHERE execution_arn = ? ORDER BY seq",
            (arn,),
        )
        .fetchall()
    )
    last = 0
    for r in rows:
        signal = json.loads(r["signal"])
        if "stop" in signal:
            if execution.status == "RUNNING":
                execution.stop(signal["stop"]["error"], signal["stop"]["cause"])
        elif not execution.deliver(r["token"], signal):
            logger.warning("execution %s: no task waits for a delivered token", arn)
        last = r["seq"]
    return last
