"""The record of handler invocations: which bus event (or HTTP request) each one handled, when
it started, how long it ran, and how it ended; what ``ordermesh trace`` follows an order by.

Lambda leaves this to X-Ray and CloudWatch; here every function runs in this process, so
``Functions.start`` records a row per event an invocation handled once the handler returns (after
its caller has the answer). Rows are buffered and written together every ``FLUSH_SECONDS`` by one
thread, so no invocation pays for a write transaction of its own: a crash loses at most that
much of the log, which is for people, and a reader in this process sees the buffer too. A
Kinesis batch is one row whatever its size, naming the stream, the shard and its first and last
record positions: which events it held is found at trace time, in the stream's own records, so
a stream consumer pays nothing per record for being traced. An invocation that handled no event
(a Step Functions Task call, a direct invoke) is not recorded. Rows are kept for a day and at
most ``KEEP_ROWS`` of them: housekeeping prunes the rest (decision note
2026-12-05-order-tracing).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ordermesh_platform.runtime import streams
from ordermesh_platform.runtime.stream_shards import SHARD_ID, StreamError, sequence_position
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
-- A Kinesis batch is one invocation_log row and this range of the shard's record positions
-- (stream_records.position); ``failed`` lists the positions its batchItemFailures named.
CREATE TABLE IF NOT EXISTS invocation_ranges (
    seq INTEGER PRIMARY KEY,
    stream TEXT NOT NULL,
    shard INTEGER NOT NULL,
    first_position INTEGER NOT NULL,
    last_position INTEGER NOT NULL,
    failed TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS invocation_ranges_last
    ON invocation_ranges (stream, shard, last_position);
DROP TABLE IF EXISTS invocation_batches;
-- No index on started_at: every row would pay for it, and the prune (once a minute) can scan.
DROP INDEX IF EXISTS invocation_log_started;
"""

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
KEEP_SECONDS = 86_400.0
KEEP_ROWS = 200_000
MAX_ERROR_CHARS = 500

Row = tuple[str, str, str, str, int, float, float, str, str | None]
# A row to write, and the stream batch it stands for with the positions that failed in it
Pending = tuple[Row, "StreamBatch | None", str]


@dataclass(frozen=True)
class Handled:
    """One thing an invocation handled: a bus event's id (its ``metadata.eventId``, else the
    envelope's) or an HTTP request's id, where it came from, and which attempt this was."""

    id: str
    source: str  # "event" | "http" | "sqs:<queue>"
    attempt: int = 1  # SQS: the message's receive count; async invokes: the attempt
    item: str | None = None  # the batch item's identifier (an SQS message id)


@dataclass(frozen=True)
class StreamBatch:
    """A Kinesis batch an invocation handled: its records are the shard's from position
    ``first`` to ``last`` (a batch, a bisected half of one, or a retry from a failed item is
    always a run of one shard's records in order)."""

    stream: str
    shard: int
    first: int
    last: int


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
    if not isinstance(record, Mapping) or record.get("eventSource") != "aws:sqs":
        return None
    origin = str(record.get("eventSourceARN", "")).rpartition(":")[2]
    found = _id_in(record.get("body"))
    attributes = record.get("attributes") or {}
    attempt = int(attributes.get("ApproximateReceiveCount", 1))
    item = record.get("messageId")
    return Handled(found, f"sqs:{origin}", attempt, item) if found else None


def handled_by(event: Any, attempt: int = 1) -> list[Handled]:
    """What an invoke's event asks its handler to handle, in order (a Kinesis batch is not
    read here, record by record: see ``stream_batch``)."""
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


def _stream_position(record: Any) -> tuple[str, int, int] | None:
    """A Kinesis record's stream, shard index and position, from its ARN and ``eventID``."""
    if not isinstance(record, Mapping) or record.get("eventSource") != "aws:kinesis":
        return None
    shard, _, sequence = str(record.get("eventID", "")).partition(":")
    matched = SHARD_ID.fullmatch(shard)
    if matched is None:
        return None
    try:
        position = sequence_position(sequence)
    except StreamError:
        return None
    stream = str(record.get("eventSourceARN", "")).rpartition("/")[2]
    return stream, int(matched.group(1)), position


def stream_batch(event: Any) -> StreamBatch | None:
    """The Kinesis batch an invoke's event holds, from its first and last records only (None
    when it holds none, or records this runtime's streams did not write)."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list) or not records:
        return None
    first, last = _stream_position(records[0]), _stream_position(records[-1])
    if first is None or last is None or first[:2] != last[:2]:
        return None
    return StreamBatch(first[0], first[1], first[2], last[2])


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


def _failed_positions(result: Any) -> list[int]:
    positions = []
    for item in failed_items(result):
        try:
            positions.append(sequence_position(item))
        except StreamError:
            continue  # not a sequence number of the batch: nothing to mark
    return sorted(positions)


def _outcome(error: BaseException | None, *, timed_out: bool) -> str:
    if timed_out:
        return "timeout"
    return "error" if error is not None else "ok"


_COLUMNS = "function, request_id, handled_id, source, attempt, started_at, duration, outcome, error"
_INSERT = f"INSERT INTO invocation_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608 - constant columns
_LOG_COLUMNS = ", ".join(f"l.{column}" for column in _COLUMNS.split(", "))  # joined with ranges


class InvocationLog:
    """The ``invocation_log`` table: written by ``Functions``, read by the trace."""

    def __init__(
        self,
        store: Store,
        *,
        keep_seconds: float = KEEP_SECONDS,
        keep_rows: int = KEEP_ROWS,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self.store = store
        self.keep_seconds = keep_seconds
        self.keep_rows = keep_rows
        self.flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._pending: list[Pending] = []
        self._flusher: tuple[threading.Thread, threading.Event] | None = None
        store.ensure_schema(streams.SCHEMA)  # a stream batch's events are read from its records
        store.ensure_schema(SCHEMA)

    def record(  # noqa: PLR0913 - one invocation's facts
        self,
        function: str,
        request_id: str,
        handled: Sequence[Handled] | StreamBatch,
        *,
        started_at: float,
        duration: float,
        result: Any,
        error: BaseException | None,
        timed_out: bool,
    ) -> None:
        """One row per thing handled, or one for a whole stream batch (nothing when the
        invocation handled nothing)."""
        if not handled:
            return
        message = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS] if error else None
        outcome = _outcome(error, timed_out=timed_out)
        if isinstance(handled, StreamBatch):
            batch = handled
            label = f"{batch.stream}/{batch.shard}:{batch.first}-{batch.last}"
            source = f"kinesis:{batch.stream}"
            row: Row = (
                function,
                request_id,
                label,
                source,
                1,
                started_at,
                duration,
                outcome,
                message,
            )
            failed_at = [] if error is not None or timed_out else _failed_positions(result)
            self._buffer([(row, batch, " ".join(map(str, failed_at)))])
            return
        failed = failed_items(result) if error is None and not timed_out else set()
        rows: list[Row] = [
            (
                function,
                request_id,
                item.id,
                item.source,
                item.attempt,
                started_at,
                duration,
                "item-failed" if item.item is not None and item.item in failed else outcome,
                message,
            )
            for item in handled
        ]
        self._buffer([(row, None, "") for row in rows])

    def _buffer(self, entries: list[Pending]) -> None:
        with self._lock:
            self._pending += entries
            if self._flusher is None:
                stopping = threading.Event()
                thread = threading.Thread(
                    target=self._flush_every,
                    args=(stopping,),
                    name="ordermesh:invocation-log",
                    daemon=True,
                )
                self._flusher = (thread, stopping)
                thread.start()

    def _flush_every(self, stopping: threading.Event) -> None:
        while not stopping.wait(self.flush_seconds):
            self.flush()

    def flush(self) -> None:
        """Write the rows recorded so far (a failure is logged: the rows are for people, and
        the invocations they record are done)."""
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            with self.store.write() as conn:
                self._insert(conn, [row for row, batch, _ in pending if batch is None])
                for row, batch, failed in pending:
                    if batch is not None:
                        seq = conn.execute(_INSERT, row).lastrowid  # executemany leaves it unset
                        conn.execute(
                            "INSERT INTO invocation_ranges VALUES (?, ?, ?, ?, ?, ?)",
                            (seq, batch.stream, batch.shard, batch.first, batch.last, failed),
                        )
        except Exception:
            logger.exception("writing %d invocation log rows failed", len(pending))

    def stop(self) -> None:
        """Write what is buffered and stop the writing thread (a later record starts one)."""
        with self._lock:
            flusher, self._flusher = self._flusher, None
        if flusher is not None:
            thread, stopping = flusher
            stopping.set()
            thread.join()
        self.flush()

    def record_rows(self, rows: Iterable[Row]) -> None:
        with self.store.write() as conn:
            self._insert(conn, list(rows))

    @staticmethod
    def _insert(conn: sqlite3.Connection, rows: list[Row]) -> None:
        if rows:
            conn.executemany(_INSERT, rows)

    def handling(self, ids: Iterable[str]) -> list[Run]:
        """The invocations that handled any of ``ids``, oldest first."""
        self.flush()
        wanted = sorted(set(ids))
        if not wanted:
            return []
        conn = self.store.connection()
        marks = ", ".join("?" * len(wanted))
        found = conn.execute(
            f"SELECT seq, {_COLUMNS} FROM invocation_log "  # noqa: S608 - placeholders only
            f"WHERE handled_id IN ({marks})",
            wanted,
        ).fetchall()
        runs = {(row[0], row[3]): Run(*row[1:]) for row in found}
        for id_ in wanted:
            for seq, run in self._stream_runs(conn, id_):
                runs[(seq, id_)] = run
        return [run for _, run in sorted(runs.items(), key=lambda kv: (kv[1].started_at, kv[0]))]

    def _stream_runs(self, conn: sqlite3.Connection, id_: str) -> list[tuple[int, Run]]:
        """The stream batches that held the event ``id_``: its records are found in the
        streams by a text search (then checked), and the batches by their position ranges."""
        runs = []
        records = conn.execute(
            "SELECT position, stream, shard, data FROM stream_records WHERE instr(data, ?) > 0",
            (id_.encode(),),
        ).fetchall()
        for position, stream, shard, data in records:
            if _id_in(bytes(data)) != id_:
                continue  # the id is in it, but not as its event id (a causation id, say)
            for row in conn.execute(
                f"SELECT r.failed, l.seq, {_LOG_COLUMNS} "  # noqa: S608 - constant columns
                "FROM invocation_ranges r JOIN invocation_log l ON l.seq = r.seq "
                "WHERE r.stream = ? AND r.shard = ? AND r.last_position >= ? "
                "AND r.first_position <= ?",
                (stream, shard, position, position),
            ):
                (
                    failed,
                    seq,
                    function,
                    request_id,
                    _,
                    source,
                    attempt,
                    started,
                    took,
                    outcome,
                    error,
                ) = row
                if str(position) in failed.split(" "):
                    outcome = "item-failed"
                run = Run(function, request_id, id_, source, attempt, started, took, outcome, error)
                runs.append((seq, run))
        return runs

    def prune(self, now: float) -> None:
        """Drop rows older than ``keep_seconds``, then all but the newest ``keep_rows``."""
        self.flush()
        with self.store.write() as conn:
            conn.execute(
                "DELETE FROM invocation_log WHERE started_at < ?", (now - self.keep_seconds,)
            )
            conn.execute(
                "DELETE FROM invocation_log WHERE seq <= (SELECT MAX(seq) FROM invocation_log) - ?",
                (self.keep_rows,),
            )
            conn.execute(
                "DELETE FROM invocation_ranges WHERE seq NOT IN (SELECT seq FROM invocation_log "
                "WHERE source LIKE 'kinesis:%')"
            )
