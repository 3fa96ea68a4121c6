"""Firehose delivery streams on SQLite: records buffered in the store, flushed to the lake as
Parquet objects with the stream's Glue table schema, failures to its error output.

The records of bus events are the bus archive itself (``lake_log``): the bus does no work for a
delivery stream when it accepts an event, and the flusher reads the archive after each stream's
checkpoint, matching the events against the rules that target delivery streams. Records put
directly (PutRecord, PutRecordBatch, a backfill's re-deliveries) are buffered in
``lake_records``. Each buffer is flushed when it holds ``size_mb`` or its oldest record is
``interval_seconds`` old, whichever comes first, and becomes exactly one object, even if the
process is killed while writing it:

1. *seal*: in one transaction a batch is recorded with its object key (named after the oldest
   record's arrival, its uuid derived from the batch) and its records: the archive seqs it holds
   (the stream's checkpoint moved past them), or the ``lake_records`` rows given its id;
2. *write*: the records are read again, converted and the object written to a staging file,
   flushed, renamed into place and its folder flushed (``lake_writer``, ``lake.objects``);
3. *publish*: in one transaction the batch is marked published (its direct records dropped) and
   the stream's counts updated.

A batch sealed and not published (a killed process, or another process's flush under way) is
written again under the same key with the same content, so no record is lost and none is in two
objects. Each archived event is in each stream it reaches once (the checkpoints and the sealed
seqs say where it is); a replayed event is not archived again, so it does not reach the lake
again (Firehose itself is at-least-once: see the decision note lake-delivery-local).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from uuid import UUID

from ordermesh_contracts.lake import FORMAT_CONVERSION_FAILED, DeliveryStream

from ordermesh_platform.lake.objects import (
    ERROR_EXTENSION,
    PARQUET_EXTENSION,
    clean_staging,
    object_key,
    object_uuid,
)
from ordermesh_platform.runtime.bus import LocalEventBus
from ordermesh_platform.runtime.lake_log import (
    ArchiveLog,
    CursorMoved,
    Taken,
    archived_ids,
    unpack_seqs,
)
from ordermesh_platform.runtime.lake_writer import Batch, BatchWriter
from ordermesh_platform.shared.aws import AwsError, new_id
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS lake_streams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS lake_cursors (
    stream INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS lake_records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    stream INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    data BLOB NOT NULL,
    size INTEGER NOT NULL,
    arrived_at REAL NOT NULL,
    batch INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS lake_records_id ON lake_records (stream, record_id);
CREATE INDEX IF NOT EXISTS lake_records_open ON lake_records (stream, seq) WHERE batch IS NULL;
CREATE INDEX IF NOT EXISTS lake_records_batch ON lake_records (batch) WHERE batch IS NOT NULL;
CREATE TABLE IF NOT EXISTS lake_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stream INTEGER NOT NULL,
    object_key TEXT NOT NULL,
    error_key TEXT NOT NULL,
    records INTEGER NOT NULL,
    sealed_at REAL NOT NULL,
    published_at REAL,
    seqs BLOB,
    rendered TEXT
);
CREATE INDEX IF NOT EXISTS lake_batches_unpublished ON lake_batches (id)
    WHERE published_at IS NULL;
CREATE TABLE IF NOT EXISTS lake_counts (
    stream INTEGER PRIMARY KEY,
    objects INTEGER NOT NULL DEFAULT 0,
    records_delivered INTEGER NOT NULL DEFAULT 0,
    conversion_failures INTEGER NOT NULL DEFAULT 0,
    bytes_written INTEGER NOT NULL DEFAULT 0
);
"""
# Stores written before batches held archive seqs: their lake_batches gain the columns.
_BATCH_COLUMNS: Final = {"seqs": "BLOB", "rendered": "TEXT"}

MEGABYTE: Final = 1024 * 1024
MAX_RECORD_BYTES: Final = 1_000 * 1024  # PutRecord: 1,000 KiB before base64
MAX_BATCH_RECORDS: Final = 500  # PutRecordBatch
MAX_BATCH_BYTES: Final = 4 * MEGABYTE
ATTEMPTS: Final = 3  # flushes of the archived events in a round, if another process seals
STAGING_GRACE: Final = 300.0  # a staging file this old (seconds) belongs to no live writer

# A record put directly, unless this stream holds that record id unwritten.
_BUFFER = (
    "INSERT INTO lake_records (stream, record_id, data, size, arrived_at) "
    "VALUES (?1, ?2, ?3, length(CAST(?3 AS BLOB)), ?4) "
    "ON CONFLICT (stream, record_id) DO NOTHING"
)


class DeliveryStreamError(AwsError):
    """A request Firehose would reject: ``code`` is Firehose's error code."""


@dataclass(frozen=True)
class DeliveryStreamStatus:
    """What a delivery stream holds and has written."""

    name: str
    records_buffered: int  # accepted, not yet in an object
    objects_written: int  # Parquet objects
    records_delivered: int  # rows in them
    conversion_failures: int  # records written to the error output instead
    bytes_written: int  # Parquet and error output


class DeliveryStreams:
    """The runtime's delivery streams, fed by ``bus``'s archive and by direct puts, writing
    under ``lake`` (laid out as the S3 bucket)."""

    def __init__(self, store: Store, clock: Clock, lake: Path, bus: LocalEventBus) -> None:
        self.store = store
        self.clock = clock
        self.lake = lake
        store.ensure_schema(SCHEMA)
        _add_batch_columns(store)
        self.log = ArchiveLog(store, bus)
        self.writer = BatchWriter(store, clock, lake)
        self._streams: dict[str, DeliveryStream] = {}
        self._ids: dict[str, int] = {}
        self._by_id: dict[int, DeliveryStream] = {}
        self._flushing = threading.Lock()  # one flush at a time in this process
        self._reported: set[int] = set()

    # --- streams ------------------------------------------------------------------------------
    def create(self, stream: DeliveryStream) -> None:
        """Declare a delivery stream (idempotent: its buffer, checkpoint and counts are kept; a
        new one takes the events archived from now on)."""
        with self.store.write() as conn:
            conn.execute("INSERT OR IGNORE INTO lake_streams (name) VALUES (?)", (stream.name,))
            row = conn.execute("SELECT id FROM lake_streams WHERE name = ?", (stream.name,))
            stream_id = int(row.fetchone()["id"])
            self.log.declare(conn, stream.name, stream_id)
        self._streams[stream.name] = stream
        self._ids[stream.name] = stream_id
        self._by_id[stream_id] = stream
        self.writer.forget(stream.name)

    def names(self) -> list[str]:
        return sorted(self._streams)

    def stream(self, name: str) -> DeliveryStream:
        found = self._streams.get(name)
        if found is None:
            raise DeliveryStreamError(
                "ResourceNotFoundException", f"Firehose stream {name} not found."
            )
        return found

    def stream_id(self, name: str) -> int:
        self.stream(name)
        return self._ids[name]

    # --- records put directly -----------------------------------------------------------------
    def rebuffer(self, conn: sqlite3.Connection, stream: str, record_id: str, data: str) -> None:
        """Buffer a record of an archived event again (a backfill), unless the stream holds a
        record of that id unwritten."""
        now = round(self.clock.now(), 3)
        conn.execute(_BUFFER, (self.stream_id(stream), record_id, data, now))

    def put_record(self, stream: str, data: bytes) -> str:
        """Firehose's PutRecord: one record (the bytes of a JSON document); its record id."""
        return self.put_record_batch(stream, [data])[0]

    def put_record_batch(self, stream: str, records: Sequence[bytes]) -> list[str]:
        """Firehose's PutRecordBatch: records in order, all or none; their record ids."""
        stream_id = self.stream_id(stream)
        if not 1 <= len(records) <= MAX_BATCH_RECORDS:
            raise DeliveryStreamError(
                "InvalidArgumentException", "PutRecordBatch takes 1 to 500 records"
            )
        for index, data in enumerate(records):
            if not isinstance(data, bytes | bytearray) or len(data) > MAX_RECORD_BYTES:
                raise DeliveryStreamError(
                    "InvalidArgumentException",
                    f"record {index}: Data must be bytes, at most {MAX_RECORD_BYTES} of them",
                )
        if sum(len(d) for d in records) > MAX_BATCH_BYTES:
            raise DeliveryStreamError("InvalidArgumentException", "records are over 4 MiB")
        ids = [new_id() for _ in records]
        now = round(self.clock.now(), 3)
        with self.store.write() as conn:
            rows = [(stream_id, i, bytes(d), now) for i, d in zip(ids, records, strict=True)]
            conn.executemany(_BUFFER, rows)
        return ids

    # --- flushing -----------------------------------------------------------------------------
    def run_due(self) -> int:
        """One flusher round: write the batches left sealed, read the archive's new events,
        then flush every buffer that is due (size or age); how many records went out."""
        return sum(self._flush(force=False).values())

    def flush(self) -> dict[str, int]:
        """Seal and write every non-empty buffer now; records written per stream."""
        return self._flush(force=True)

    def recover(self) -> int:
        """On start: write what a killed process left sealed, and drop its staging files."""
        clean_staging(self.lake, self.clock.now() - STAGING_GRACE)
        with self._flushing:
            return sum(self._publish_sealed().values())

    def _flush(self, *, force: bool) -> dict[str, int]:
        with self._flushing:
            written = self._publish_sealed()
            for _ in range(ATTEMPTS):
                try:
                    self._flush_archived(written, force=force)
                    break
                except CursorMoved:  # another process sealed: again from the checkpoints
                    self.log.reset()
            rows = self.store.connection().execute(
                "SELECT DISTINCT stream FROM lake_records WHERE batch IS NULL"
            )
            for stream_id in [int(r["stream"]) for r in rows]:
                stream = self._declared(stream_id)
                while stream is not None and (batch := self._seal_direct(stream, force=force)):
                    _add(written, stream.name, self.writer.write(batch))
        return written

    def _flush_archived(self, written: dict[str, int], *, force: bool) -> None:
        limits = {
            name: stream.local_buffering.size_mb * MEGABYTE
            for name, stream in self._streams.items()
        }
        while self.log.scan():  # a page at a time: full buffers are written as they fill
            for name in self.log.full(limits):
                while self.log.size(name) >= limits[name]:
                    _add(written, name, self._seal_archived(self._streams[name], force=True))
        for name, stream in self._streams.items():
            while count := self._seal_archived(stream, force=force):
                _add(written, name, count)
        self.log.catch_up(force=force)

    def _seal_archived(self, stream: DeliveryStream, *, force: bool) -> int:
        """Seal the oldest archived events waiting for ``stream``, up to its size, if they are
        due (or ``force``), and write them; how many."""
        limit = stream.local_buffering.size_mb * MEGABYTE
        waiting_since = self.log.oldest(stream.name)
        if waiting_since is None:
            return 0
        if not (  # what waits is due if the batch it makes is: checked before taking it
            force
            or self.log.size(stream.name) >= limit
            or self.clock.now() - waiting_since >= stream.local_buffering.interval_seconds
        ):
            return 0
        taken = self.log.take(stream.name, limit)
        if taken is None:
            return 0
        oldest = min(taken.arrivals)
        first, last = taken.seqs[0], taken.seqs[-1]
        name = object_uuid(stream.name, "archive", first, last, oldest)
        try:
            with self.store.write() as conn:
                self.log.move(conn, stream.name, taken.cursor)
                batch = self._record_batch(conn, stream, name, oldest, len(taken.seqs), taken)
        except BaseException:
            self.log.reset()  # what it holds may not be what the store holds
            raise
        self.log.sealed(taken)
        return self.writer.write(batch, taken.rows())  # from what the scan read

    def _record_batch(
        self,
        conn: sqlite3.Connection,
        stream: DeliveryStream,
        name: UUID,
        oldest: float,
        count: int,
        taken: Taken | None = None,
    ) -> Batch:
        """Record a new batch of ``stream``, of ``count`` records whose oldest arrived at
        ``oldest``: ``taken``'s archived events, or records put directly."""
        key = object_key(stream.prefix, stream.name, oldest, name, PARQUET_EXTENSION)
        error_key = object_key(
            stream.error_output_prefix,
            stream.name,
            oldest,
            name,
            ERROR_EXTENSION,
            error_output_type=FORMAT_CONVERSION_FAILED,
        )
        sealed_at = self.clock.now()
        seqs = taken.packed if taken is not None else None
        rendered = taken.rendered_json if taken is not None else None
        stream_id = self._ids[stream.name]
        batch_id = conn.execute(
            "INSERT INTO lake_batches (stream, object_key, error_key, records, sealed_at, seqs, "
            "rendered) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (stream_id, key, error_key, count, sealed_at, seqs, rendered),
        ).lastrowid
        assert batch_id is not None  # noqa: S101 - sqlite sets it after an INSERT
        return Batch(batch_id, stream_id, stream, key, error_key, sealed_at, seqs, rendered)

    def _seal_direct(self, stream: DeliveryStream, *, force: bool) -> Batch | None:
        """Assign the oldest records put directly to ``stream``, up to its size, to a new batch,
        if they are due (or ``force``); the batch, or None."""
        limit = stream.local_buffering.size_mb * MEGABYTE
        stream_id = self._ids[stream.name]
        with self.store.write() as conn:
            cursor = conn.execute(
                "SELECT seq, size, arrived_at FROM lake_records "
                "WHERE stream = ? AND batch IS NULL ORDER BY seq",
                (stream_id,),
            )
            first = last = None
            total, count, oldest = 0, 0, float("inf")
            for seq, size, arrived_at in cursor:
                first = seq if first is None else first
                last, total, count = seq, total + size, count + 1
                oldest = min(oldest, arrived_at)
                if total >= limit:
                    break
            cursor.close()
            if last is None:
                return None
            age = self.clock.now() - oldest
            if not (force or total >= limit or age >= stream.local_buffering.interval_seconds):
                return None
            name = object_uuid(stream.name, first, last, oldest)
            batch = self._record_batch(conn, stream, name, oldest, count)
            conn.execute(
                "UPDATE lake_records SET batch = ? WHERE stream = ? AND batch IS NULL AND seq <= ?",
                (batch.id, stream_id, last),
            )
        return batch

    def _publish_sealed(self) -> dict[str, int]:
        rows = self.store.connection().execute(
            "SELECT id, stream, object_key, error_key, sealed_at, seqs, rendered "
            "FROM lake_batches WHERE published_at IS NULL ORDER BY id"
        )
        written: dict[str, int] = {}
        for row in rows.fetchall():
            stream = self._declared(row["stream"])
            if stream is not None:
                batch = Batch(
                    row["id"],
                    row["stream"],
                    stream,
                    row["object_key"],
                    row["error_key"],
                    row["sealed_at"],
                    row["seqs"],
                    row["rendered"],
                )
                _add(written, stream.name, self.writer.write(batch))
        return written

    def _declared(self, stream_id: int) -> DeliveryStream | None:
        """The stream of that id, or None (logged once) if this runtime does not declare it."""
        stream = self._by_id.get(stream_id)
        if stream is None and stream_id not in self._reported:
            self._reported.add(stream_id)
            logger.warning("records of delivery stream #%s wait: it is not declared", stream_id)
        return stream

    # --- status -------------------------------------------------------------------------------
    def status(self) -> list[DeliveryStreamStatus]:
        """Each declared stream's counts, by name."""
        conn = self.store.connection()
        waiting = {name: len(found) for name, found in self.log.unsealed().items()}
        buffered = dict(
            conn.execute("SELECT stream, COUNT(*) FROM lake_records GROUP BY stream").fetchall()
        )
        sealed = dict(
            conn.execute(
                "SELECT stream, SUM(records) FROM lake_batches "
                "WHERE published_at IS NULL AND seqs IS NOT NULL GROUP BY stream"
            ).fetchall()
        )
        counts = {
            row["stream"]: row for row in conn.execute("SELECT * FROM lake_counts").fetchall()
        }
        result = []
        for name in self.names():
            stream_id = self._ids[name]
            row = counts.get(stream_id)
            result.append(
                DeliveryStreamStatus(
                    name=name,
                    records_buffered=waiting.get(name, 0)
                    + int(buffered.get(stream_id, 0))
                    + int(sealed.get(stream_id, 0)),
                    objects_written=row["objects"] if row else 0,
                    records_delivered=row["records_delivered"] if row else 0,
                    conversion_failures=row["conversion_failures"] if row else 0,
                    bytes_written=row["bytes_written"] if row else 0,
                )
            )
        return result

    def buffered_ids(self, stream: str) -> set[str]:
        """Record ids ``stream`` holds unwritten: archived events after its checkpoint or in its
        unpublished batches, and records put directly (sealed or not)."""
        stream_id = self.stream_id(stream)
        conn = self.store.connection()
        ids = {event_id for _, event_id in self.log.unsealed()[stream]}
        rows = conn.execute("SELECT record_id FROM lake_records WHERE stream = ?", (stream_id,))
        ids.update(r["record_id"] for r in rows)
        for (packed,) in conn.execute(
            "SELECT seqs FROM lake_batches WHERE stream = ? AND published_at IS NULL "
            "AND seqs IS NOT NULL",
            (stream_id,),
        ).fetchall():
            ids.update(archived_ids(conn, unpack_seqs(packed)))
        return ids


def _add(written: dict[str, int], name: str, count: int) -> None:
    if count:
        written[name] = written.get(name, 0) + count


def _add_batch_columns(store: Store) -> None:
    conn = store.connection()
    present = {row[1] for row in conn.execute("PRAGMA table_info(lake_batches)")}
    missing = {n: t for n, t in _BATCH_COLUMNS.items() if n not in present}
    if missing:
        with store.write() as writing:
            for name, kind in missing.items():
                writing.execute(f"ALTER TABLE lake_batches ADD COLUMN {name} {kind}")
