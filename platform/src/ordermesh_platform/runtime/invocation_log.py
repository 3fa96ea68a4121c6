"""The record of handler invocations: which bus event (or HTTP request) each one handled, when
it started, how long it ran, and how it ended; what ``ordermesh trace`` follows an order by.

Lambda leaves this to X-Ray and CloudWatch; here every function runs in this process, so
``Functions.start`` writes a row per event an invocation handled once the handler returns (after
its caller has the answer). An invocation that handled no event (a Step Functions Task call, a
direct invoke) is not recorded. Rows are kept for a day and at most ``KEEP_ROWS`` of them:
housekeeping prunes the rest (decision note 2026-12-05-order-tracing).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ordermesh_platform.shared.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS invocation_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    function TEXT NOT NULL,
    request_id TEXT NOT NULL,
    handled_id TEXT NOT NULL,
    source TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    started_at REAL NOT NULL,
    duration REAL NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS invocation_log_handled ON invocation_log (handled_id);
-- A stream batch's records that ended alike are one row: its handled_id is the first record's
-- event id, and every event id of them is here (space-separated), found by a text search.
CREATE TABLE IF NOT EXISTS invocation_batches (
    seq INTEGER PRIMARY KEY,
    ids TEXT NOT NULL
);
-- No index on started_at: every row would pay for it, and the prune (once a minute) can scan.
DROP INDEX IF EXISTS invocation_log_started;
"""

KEEP_SECONDS = 86_400.0
KEEP_ROWS = 200_000
MAX_ERROR_CHARS = 500

Row = tuple[str, str, str, str, int, float, float, str, str | None]


@dataclass(frozen=True)
class Handled:
    """One thing an invocation handled: a bus event's id (its ``metadata.eventId``, else the
    envelope's) or an HTTP request's id, where it came from, and which attempt this was."""

    id: str
    source: str  # "event" | "http" | "sqs:<queue>" | "kinesis:<stream>"
    attempt: int = 1  # SQS: the message's receive count; async invokes: the attempt
    item: str | None = None  # the batch item's identifier (SQS message id, Kinesis sequence)


@dataclass(frozen=True)
class Run:
    function: str
    request_id: str
    handled_id: str
    source: str
    attempt: int
    started_at: float
    duration: float
    outcome: str  # "ok" | "error" | "item-failed" | "timeout"
    error: str | None


def event_id(document: Any) -> str | None:
    """A bus event's id: ``detail.metadata.eventId`` (what causation ids name), else ``id``."""
    if not isinstance(document, Mapping) or "detail-type" not in document:
        return None
    detail = document.get("detail")
    metadata = detail.get("metadata") if isinstance(detail, Mapping) else None
    found = metadata.get("eventId") if isinstance(metadata, Mapping) else None
    found = found if isinstance(found, str) else document.get("id")
    return found if isinstance(found, str) else None


def _parse(text: Any) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


# ``"eventId": "<id>"`` in a record's JSON text: found by a search, not by parsing the whole event
# (a stream batch of hundreds of records is parsed by its handler already; the log must not parse
# it again). Contracts name no other member ``eventId``; the parse is the fallback.
_EVENT_ID = re.compile(rb'"eventId"\s*:\s*"([^"\\]+)"')


def _id_in(text: bytes | str | None) -> str | None:
    if text is None:
        return None
    raw = text.encode() if isinstance(text, str) else text
    found = _EVENT_ID.search(raw)
    if found is not None:
        return found.group(1).decode()
    return event_id(_parse(raw))


def _record(record: Any) -> Handled | None:
    if not isinstance(record, Mapping):
        return None
    origin = str(record.get("eventSourceARN", "")).rpartition(":")[2].rpartition("/")[2]
    if record.get("eventSource") == "aws:sqs":
        found = _id_in(record.get("body"))
        attributes = record.get("attributes") or {}
        attempt = int(attributes.get("ApproximateReceiveCount", 1))
        item = record.get("messageId")
        return Handled(found, f"sqs:{origin}", attempt, item) if found else None
    kinesis = record.get("kinesis")
    if record.get("eventSource") == "aws:kinesis" and isinstance(kinesis, Mapping):
        try:
            data = base64.b64decode(str(kinesis.get("data", "")), validate=True)
        except (binascii.Error, ValueError):
            return None
        found = _id_in(data)
        item = kinesis.get("sequenceNumber")
        return Handled(found, f"kinesis:{origin}", 1, item) if found else None
    return None


def handled_by(event: Any, attempt: int = 1) -> list[Handled]:
    """What an invoke's event asks its handler to handle, in order."""
    if not isinstance(event, Mapping):
        return []
    records = event.get("Records")
    if isinstance(records, list):
        return [h for h in map(_record, records) if h is not None]
    context = event.get("requestContext")
    if "routeKey" in event and isinstance(context, Mapping) and context.get("requestId"):
        return [Handled(str(context["requestId"]), "http", attempt)]
    found = event_id(event)
    return [Handled(found, "event", attempt)] if found else []


def failed_items(result: Any) -> set[str]:
    """The batch items a handler's ``batchItemFailures`` names."""
    failures = result.get("batchItemFailures") if isinstance(result, Mapping) else None
    if not isinstance(failures, list):
        return set()
    return {
        str(f["itemIdentifier"])
        for f in failures
        if isinstance(f, Mapping) and f.get("itemIdentifier")
    }


class InvocationLog:
    """The ``invocation_log`` table: written by ``Functions``, read by the trace."""

    def __init__(
        self, store: Store, *, keep_seconds: float = KEEP_SECONDS, keep_rows: int = KEEP_ROWS
    ) -> None:
        self.store = store
        self.keep_seconds = keep_seconds
        self.keep_rows = keep_rows
        store.ensure_schema(SCHEMA)

    def record(  # noqa: PLR0913 - one invocation's facts
        self,
        function: str,
        request_id: str,
        handled: Sequence[Handled],
        *,
        started_at: float,
        duration: float,
        result: Any,
        error: BaseException | None,
        timed_out: bool,
    ) -> None:
        """One row per thing handled (nothing when the invocation handled nothing)."""
        if not handled:
            return
        failed = failed_items(result) if error is None else set()
        message = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS] if error else None
        rows: list[Row] = []
        batches: dict[tuple[str, str], list[str]] = {}  # stream records by (source, outcome)
        for item in handled:
            outcome = "error" if error is not None else "ok"
            if item.item is not None and item.item in failed:
                outcome = "item-failed"
            if timed_out:
                outcome = "timeout"
            if item.source.startswith("kinesis:"):
                batches.setdefault((item.source, outcome), []).append(item.id)
                continue
            row = (function, request_id, item.id, item.source, item.attempt)
            rows.append((*row, started_at, duration, outcome, message))
        with self.store.write() as conn:
            self._insert(conn, rows)
            for (source, outcome), ids in batches.items():
                first: Row = (
                    function,
                    request_id,
                    ids[0],
                    source,
                    1,
                    started_at,
                    duration,
                    outcome,
                    message,
                )
                seq = self._insert(conn, [first])
                if len(ids) > 1:
                    conn.execute(
                        "INSERT INTO invocation_batches VALUES (?, ?)", (seq, " ".join(ids))
                    )

    def record_rows(self, rows: Iterable[Row]) -> None:
        with self.store.write() as conn:
            self._insert(conn, list(rows))

    @staticmethod
    def _insert(conn: sqlite3.Connection, rows: list[Row]) -> int | None:
        """Insert ``rows``; the last one's seq."""
        if not rows:
            return None
        cursor = conn.executemany(
            "INSERT INTO invocation_log (function, request_id, handled_id, source, attempt, "
            "started_at, duration, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return cursor.lastrowid

    def handling(self, ids: Iterable[str]) -> list[Run]:
        """The invocations that handled any of ``ids``, oldest first."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        conn = self.store.connection()
        marks = ", ".join("?" * len(wanted))
        columns = "function, request_id, handled_id, source, attempt, started_at, duration, outcome"
        found = conn.execute(
            f"SELECT seq, {columns}, error FROM invocation_log "  # noqa: S608 - placeholders only
            f"WHERE handled_id IN ({marks})",
            wanted,
        ).fetchall()
        runs = {(row[0], row[3]): Run(*row[1:]) for row in found}
        for id_ in wanted:  # a stream batch's other records: a text search of its ids
            for row in conn.execute(
                f"SELECT b.ids, l.seq, {columns}, error FROM invocation_batches b "  # noqa: S608 - placeholders only
                "JOIN invocation_log l ON l.seq = b.seq WHERE instr(b.ids, ?) > 0",
                (id_,),
            ):
                if id_ in row[0].split(" "):
                    function, request_id, _, source, attempt, started, took, outcome, error = row[
                        2:
                    ]
                    runs[(row[1], id_)] = Run(
                        function, request_id, id_, source, attempt, started, took, outcome, error
                    )
        return [run for _, run in sorted(runs.items(), key=lambda kv: (kv[1].started_at, kv[0]))]

    def prune(self, now: float) -> None:
        """Drop rows older than ``keep_seconds``, then all but the newest ``keep_rows``."""
        with self.store.write() as conn:
            conn.execute(
                "DELETE FROM invocation_log WHERE started_at < ?", (now - self.keep_seconds,)
            )
            conn.execute(
                "DELETE FROM invocation_log WHERE seq <= (SELECT MAX(seq) FROM invocation_log) - ?",
                (self.keep_rows,),
            )
            conn.execute(
                "DELETE FROM invocation_batches WHERE seq < (SELECT MIN(seq) FROM invocation_log)"
            )
