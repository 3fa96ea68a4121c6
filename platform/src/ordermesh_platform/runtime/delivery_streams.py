"""Firehose delivery streams on SQLite: records buffered in the store, flushed to the lake as
Parquet objects with the stream's Glue table schema, failures to its error output.

A record is buffered in the transaction that delivers it (the bus's, for a rule's target), so
an accepted event is never without its lake record. A buffer is flushed when it holds
``size_mb`` or its oldest record is ``interval_seconds`` old, whichever comes first, and becomes
exactly one object, even if the process is killed while writing it:

1. *seal*: in one transaction the buffer's records are assigned to a new batch whose object key
   (named after the oldest record's arrival, its uuid derived from the batch) is recorded;
2. *write*: the records are converted and the object written to a staging file, flushed,
   renamed into place and its folder flushed (``lake.objects.publish``);
3. *publish*: in one transaction the batch is marked published, its record ids kept as
   delivered, its records dropped and the stream's counts updated.

A batch sealed and not published (a killed process, or another process's flush under way) is
written again under the same key with the same content, so no record is lost and none is in two
objects. Each record id (a bus event's id) is buffered once per stream: a replayed or
re-delivered event already buffered or delivered is not buffered again, so the lake holds every
archived event once (Firehose itself is at-least-once: see the decision note lake-delivery-local).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ordermesh_contracts.lake import FORMAT_CONVERSION_FAILED, DeliveryStream

from ordermesh_platform.lake.objects import (
    ERROR_EXTENSION,
    PARQUET_EXTENSION,
    FailedRecord,
    clean_staging,
    error_documents,
    object_key,
    object_uuid,
    parquet_bytes,
    publish,
)
from ordermesh_platform.lake.tables import ConversionError, RowConverter
from ordermesh_platform.shared.aws import AwsError, new_id
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS lake_streams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
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
CREATE TABLE IF NOT EXISTS lake_delivered (
    stream INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (stream, record_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lake_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stream INTEGER NOT NULL,
    object_key TEXT NOT NULL,
    error_key TEXT NOT NULL,
    records INTEGER NOT NULL,
    sealed_at REAL NOT NULL,
    published_at REAL
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

MEGABYTE: Final = 1024 * 1024
MAX_RECORD_BYTES: Final = 1_000 * 1024  # PutRecord: 1,000 KiB before base64
MAX_BATCH_RECORDS: Final = 500  # PutRecordBatch
MAX_BATCH_BYTES: Final = 4 * MEGABYTE
STAGING_GRACE: Final = 300.0  # a staging file this old (seconds) belongs to no live writer

# One statement per record and stream: buffered unless this stream buffered or delivered it.
_BUFFER = (
    "INSERT INTO lake_records (stream, record_id, data, size, arrived_at) "
    "SELECT ?1, ?2, ?3, length(CAST(?3 AS BLOB)), ?4 "
    "WHERE NOT EXISTS (SELECT 1 FROM lake_delivered WHERE stream = ?1 AND record_id = ?2) "
    "ON CONFLICT (stream, record_id) DO NOTHING"
)
# Buffered again even if delivered before (a backfill rebuilding a deleted object).
_REBUFFER = (
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
    records_buffered: int  # in the store, not yet in an object
    objects_written: int  # Parquet objects
    records_delivered: int  # rows in them
    conversion_failures: int  # records written to the error output instead
    bytes_written: int  # Parquet and error output


@dataclass(frozen=True)
class _Batch:
    id: int
    stream: DeliveryStream
    object_key: str
    error_key: str
    sealed_at: float


class DeliveryStreams:
    """The runtime's delivery streams, writing under ``lake`` (laid out as the S3 bucket)."""

    def __init__(self, store: Store, clock: Clock, lake: Path) -> None:
        self.store = store
        self.clock = clock
        self.lake = lake
        store.ensure_schema(SCHEMA)
        self._streams: dict[str, DeliveryStream] = {}
        self._ids: dict[str, int] = {}
        self._by_id: dict[int, DeliveryStream] = {}
        self._converters: dict[str, RowConverter] = {}
        self._flushing = threading.Lock()  # one flush at a time in this process
        self._reported: set[int] = set()

    # --- streams ------------------------------------------------------------------------------
    def create(self, stream: DeliveryStream) -> None:
        """Declare a delivery stream (idempotent: its buffer and counts are kept)."""
        with self.store.write() as conn:
            conn.execute("INSERT OR IGNORE INTO lake_streams (name) VALUES (?)", (stream.name,))
            row = conn.execute("SELECT id FROM lake_streams WHERE name = ?", (stream.name,))
            stream_id = int(row.fetchone()["id"])
        self._streams[stream.name] = stream
        self._ids[stream.name] = stream_id
        self._by_id[stream_id] = stream
        self._converters.pop(stream.name, None)

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

    # --- records in -------------------------------------------------------------------------
    def buffer(self, conn: sqlite3.Connection, stream: str, record_id: str, data: str) -> None:
        """Buffer one record (JSON text) in ``conn``'s transaction, unless this stream already
        buffered or delivered ``record_id``."""
        stream_id = self._ids.get(stream)
        if stream_id is None:
            raise DeliveryStreamError(
                "ResourceNotFoundException", f"Firehose stream {stream} not found."
            )
        conn.execute(_BUFFER, (stream_id, record_id, data, round(self.clock.now(), 3)))

    def rebuffer(self, conn: sqlite3.Connection, stream: str, record_id: str, data: str) -> None:
        """Buffer a record again although it was delivered (unless it is buffered now)."""
        now = round(self.clock.now(), 3)
        conn.execute(_REBUFFER, (self.stream_id(stream), record_id, data, now))

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
            conn.executemany(_REBUFFER, rows)
        return ids

    # --- flushing -----------------------------------------------------------------------------
    def run_due(self) -> int:
        """One flusher round: write the batches left sealed, then flush every buffer that is
        due (size or age); how many records went out."""
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
            rows = self.store.connection().execute(
                "SELECT DISTINCT stream FROM lake_records WHERE batch IS NULL"
            )
            for stream_id in [int(r["stream"]) for r in rows]:
                stream = self._declared(stream_id)
                while stream is not None and (batch := self._seal(stream, force=force)):
                    written[stream.name] = written.get(stream.name, 0) + self._write(batch)
        return written

    def _publish_sealed(self) -> dict[str, int]:
        rows = self.store.connection().execute(
            "SELECT id, stream, object_key, error_key, sealed_at FROM lake_batches "
            "WHERE published_at IS NULL ORDER BY id"
        )
        written: dict[str, int] = {}
        for row in rows.fetchall():
            stream = self._declared(row["stream"])
            if stream is not None:
                batch = _Batch(
                    row["id"], stream, row["object_key"], row["error_key"], row["sealed_at"]
                )
                written[stream.name] = written.get(stream.name, 0) + self._write(batch)
        return written

    def _declared(self, stream_id: int) -> DeliveryStream | None:
        """The stream of that id, or None (logged once) if this runtime does not declare it."""
        stream = self._by_id.get(stream_id)
        if stream is None and stream_id not in self._reported:
            self._reported.add(stream_id)
            logger.warning("records of delivery stream #%s wait: it is not declared", stream_id)
        return stream

    def _seal(self, stream: DeliveryStream, *, force: bool) -> _Batch | None:
        """Assign the oldest records of ``stream``'s buffer, up to its size, to a new batch,
        if the buffer is due (or ``force``); the batch, or None."""
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
            batch_id = conn.execute(
                "INSERT INTO lake_batches (stream, object_key, error_key, records, sealed_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (stream_id, key, error_key, count, sealed_at),
            ).lastrowid
            assert batch_id is not None  # noqa: S101 - sqlite sets it after an INSERT
            conn.execute(
                "UPDATE lake_records SET batch = ? WHERE stream = ? AND batch IS NULL AND seq <= ?",
                (batch_id, stream_id, last),
            )
        return _Batch(batch_id, stream, key, error_key, sealed_at)

    def _write(self, batch: _Batch) -> int:
        """Write a sealed batch's objects and publish it; its records (0 if another process
        published it first)."""
        rows = (
            self.store.connection()
            .execute(  # one statement: one snapshot of the batch and its records
                "SELECT r.seq, r.data, r.arrived_at FROM lake_records r "
                "JOIN lake_batches b ON b.id = r.batch "
                "WHERE b.id = ? AND b.published_at IS NULL ORDER BY r.seq",
                (batch.id,),
            )
            .fetchall()
        )
        if not rows:
            return 0
        converter = self._converter(batch.stream)
        table = converter.read([data for _, data, _ in rows])  # every record at once, if it can
        converted, failed = [], []
        for seq, data, arrived_at in rows if table is None else ():
            try:
                converted.append(converter.row(json.loads(data)))
            except ConversionError as exc:
                failed.append(_failure(seq, data, arrived_at, f"{exc.path}: {exc.reason}"))
            except ValueError as exc:  # not JSON at all
                failed.append(_failure(seq, data, arrived_at, f"$: not a JSON document: {exc}"))
        written = 0
        if table is None and converted:
            table = converter.table(converted)
        if table is not None:
            content = parquet_bytes(table)
            publish(self.lake, batch.object_key, content)
            written += len(content)
        if failed:
            errors = error_documents(
                failed,
                database=batch.stream.database,
                table=batch.stream.table,
                attempt_ended=batch.sealed_at,
            )
            publish(self.lake, batch.error_key, errors)
            written += len(errors)
        delivered = len(rows) - len(failed)
        self._published(batch, rows=delivered, failures=len(failed), size=written)
        return len(rows)

    def _published(self, batch: _Batch, *, rows: int, failures: int, size: int) -> None:
        objects = 1 if rows else 0  # no Parquet object for a batch whose every record failed
        stream_id = self._ids[batch.stream.name]
        with self.store.write() as conn:
            marked = conn.execute(
                "UPDATE lake_batches SET published_at = ? WHERE id = ? AND published_at IS NULL",
                (self.clock.now(), batch.id),
            )
            if marked.rowcount == 0:  # another process published it: same objects, counted
                return
            conn.execute(
                "INSERT OR IGNORE INTO lake_delivered (stream, record_id) "
                "SELECT stream, record_id FROM lake_records WHERE batch = ?",
                (batch.id,),
            )
            conn.execute("DELETE FROM lake_records WHERE batch = ?", (batch.id,))
            conn.execute(
                "INSERT INTO lake_counts (stream, objects, records_delivered, "
                "conversion_failures, bytes_written) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (stream) DO UPDATE SET objects = objects + excluded.objects, "
                "records_delivered = records_delivered + excluded.records_delivered, "
                "conversion_failures = conversion_failures + excluded.conversion_failures, "
                "bytes_written = bytes_written + excluded.bytes_written",
                (stream_id, objects, rows, failures, size),
            )

    def _converter(self, stream: DeliveryStream) -> RowConverter:
        converter = self._converters.get(stream.name)
        if converter is None:
            converter = self._converters[stream.name] = RowConverter.of(stream.columns)
        return converter

    # --- status -------------------------------------------------------------------------------
    def status(self) -> list[DeliveryStreamStatus]:
        """Each declared stream's counts, by name."""
        conn = self.store.connection()
        buffered = dict(
            conn.execute("SELECT stream, COUNT(*) FROM lake_records GROUP BY stream").fetchall()
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
                    records_buffered=int(buffered.get(stream_id, 0)),
                    objects_written=row["objects"] if row else 0,
                    records_delivered=row["records_delivered"] if row else 0,
                    conversion_failures=row["conversion_failures"] if row else 0,
                    bytes_written=row["bytes_written"] if row else 0,
                )
            )
        return result

    def buffered_ids(self, stream: str) -> set[str]:
        """Record ids in ``stream``'s buffer (sealed or not)."""
        rows = self.store.connection().execute(
            "SELECT record_id FROM lake_records WHERE stream = ?", (self.stream_id(stream),)
        )
        return {r["record_id"] for r in rows}


def _failure(seq: int, data: str | bytes, arrived_at: float, message: str) -> FailedRecord:
    raw = data.encode() if isinstance(data, str) else bytes(data)
    return FailedRecord(raw, arrived_at, str(seq), message)
