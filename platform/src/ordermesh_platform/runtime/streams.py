"""Kinesis data streams on SQLite: shards, partition keys, sequence numbers, retention.

``Streams`` keeps each stream and its records in the store: a record goes to the shard whose hash
key range holds its hash key, and is given the sequence number of its position, as
``ordermesh_platform.runtime.stream_shards`` defines them (with the limits, the shapes and the
shard iterator tokens). Sequence numbers increase within a shard and never repeat in the stream,
also across restarts and after records expire. Records are read in sequence order, by position
(``read``) or through shard iterators (``get_shard_iterator`` / ``get_records``), and dropped once
older than the retention period.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from ordermesh_platform.runtime.stream_shards import (
    HASH_KEY_SPACE,
    ITERATOR_LIFETIME,
    ITERATOR_TYPES,
    MAX_GET_RECORDS,
    MAX_GET_RECORDS_BYTES,
    MAX_PUT_RECORDS,
    MAX_PUT_RECORDS_BYTES,
    MAX_RETENTION_HOURS,
    MAX_SHARDS,
    MIN_RETENTION_HOURS,
    SHARD_ID,
    STREAM_NAME,
    GetRecordsResult,
    IteratorType,
    PutRecordResult,
    PutRecordsEntry,
    Shard,
    StreamDescription,
    StreamError,
    StreamRecord,
    check_record,
    decode_iterator,
    encode_iterator,
    hash_key_ranges,
    sequence_number,
    sequence_position,
    shard_id,
)
from ordermesh_platform.shared.aws import ACCOUNT, stream_arn
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS streams (
    name TEXT PRIMARY KEY,
    shard_count INTEGER NOT NULL,
    retention_hours INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS stream_records (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream TEXT NOT NULL,
    shard INTEGER NOT NULL,
    partition_key TEXT NOT NULL,
    data BLOB NOT NULL,
    arrived_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS stream_records_shard ON stream_records (stream, shard, position);
CREATE INDEX IF NOT EXISTS stream_records_age ON stream_records (stream, arrived_at);
"""


def stream_channel(stream: str) -> str:
    """The store channel notified when a record is put on ``stream``."""
    return f"stream:{stream}"


@dataclass(frozen=True)
class _Stream:
    name: str
    shard_count: int
    retention_hours: int
    created_at: float

    def shard_index(self, shard: str) -> int:
        match = SHARD_ID.fullmatch(shard)
        if match is None or int(match.group(1)) >= self.shard_count:
            raise StreamError(
                "ResourceNotFoundException",
                f"Shard {shard} in stream {self.name} under account {ACCOUNT} does not exist",
            )
        return int(match.group(1))


class Streams:
    """All the runtime's streams. Methods taking ``conn`` join the caller's transaction."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        store.ensure_schema(SCHEMA)
        self._streams: dict[str, _Stream] = {}

    # --- streams ------------------------------------------------------------------------------
    def create(self, name: str, shard_count: int = 1, retention_hours: int = 24) -> None:
        """Create a stream (idempotent). An existing stream keeps its shards and records; its
        retention is updated. A different shard count is ResourceInUseException: resharding
        is not supported."""
        if not STREAM_NAME.fullmatch(name):
            raise StreamError(
                "ValidationException", f"stream name {name!r} must match [a-zA-Z0-9_.-]{{1,128}}"
            )
        if not 1 <= shard_count <= MAX_SHARDS:
            raise StreamError("LimitExceededException", f"shard count must be 1 to {MAX_SHARDS}")
        if not MIN_RETENTION_HOURS <= retention_hours <= MAX_RETENTION_HOURS:
            raise StreamError("InvalidArgumentException", "retention must be 24 to 8760 hours")
        with self.store.write() as conn:
            row = conn.execute("SELECT * FROM streams WHERE name = ?", (name,)).fetchone()
            if row is not None and row["shard_count"] != shard_count:
                raise StreamError(
                    "ResourceInUseException",
                    f"Stream {name} under account {ACCOUNT} already exists with "
                    f"{row['shard_count']} shards, not {shard_count}",
                )
            conn.execute(
                "INSERT INTO streams (name, shard_count, retention_hours, created_at) "
                "VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET retention_hours = excluded.retention_hours",
                (name, shard_count, retention_hours, self.clock.now()),
            )
        self._streams.pop(name, None)

    def names(self) -> list[str]:
        rows = self.store.connection().execute("SELECT name FROM streams ORDER BY name")
        return [r["name"] for r in rows]

    def describe(self, name: str) -> StreamDescription:
        stream = self._stream(name)
        shards = tuple(
            Shard(shard_id(i), start, end)
            for i, (start, end) in enumerate(hash_key_ranges(stream.shard_count))
        )
        return StreamDescription(
            name=name,
            arn=stream_arn(name),
            status="ACTIVE",
            shards=shards,
            retention_hours=stream.retention_hours,
            created_at=stream.created_at,
        )

    def _stream(self, name: str, conn: sqlite3.Connection | None = None) -> _Stream:
        cached = self._streams.get(name)
        if cached is not None:
            return cached
        row = (
            (conn or self.store.connection())
            .execute("SELECT * FROM streams WHERE name = ?", (name,))
            .fetchone()
        )
        if row is None:
            raise StreamError(
                "ResourceNotFoundException", f"Stream {name} under account {ACCOUNT} not found."
            )
        stream = _Stream(name, row["shard_count"], row["retention_hours"], row["created_at"])
        self._streams[name] = stream
        return stream

    # --- writing ------------------------------------------------------------------------------
    def put_record(
        self,
        stream: str,
        partition_key: str,
        data: bytes,
        *,
        explicit_hash_key: str | None = None,
        conn: sqlite3.Connection | None = None,
    ) -> PutRecordResult:
        """Append one record; its shard and sequence number. Joins ``conn``'s transaction."""
        if conn is not None:
            return self._insert(conn, stream, partition_key, data, explicit_hash_key)
        with self.store.write() as own:
            return self._insert(own, stream, partition_key, data, explicit_hash_key)

    def put_records(
        self,
        stream: str,
        records: Sequence[PutRecordsEntry],
        *,
        conn: sqlite3.Connection | None = None,
    ) -> list[PutRecordResult]:
        """Append records in request order, all or none (a local stream never throttles, so no
        entry fails on its own); each one's shard and sequence number."""
        if not 1 <= len(records) <= MAX_PUT_RECORDS:
            raise StreamError("ValidationException", "a PutRecords request takes 1 to 500 records")
        total = sum(len(r["Data"]) + len(r["PartitionKey"].encode()) for r in records)
        if total > MAX_PUT_RECORDS_BYTES:
            raise StreamError(
                "InvalidArgumentException", f"Records size {total} exceeds 5 MB limit"
            )
        self._stream(stream, conn)
        for entry in records:  # validate everything before writing anything
            check_record(entry["PartitionKey"], entry["Data"], entry.get("ExplicitHashKey"))
        with self.store.write() if conn is None else nullcontext(conn) as target:
            return [
                self._insert(target, stream, r["PartitionKey"], r["Data"], r.get("ExplicitHashKey"))
                for r in records
            ]

    def _insert(
        self,
        conn: sqlite3.Connection,
        stream: str,
        partition_key: str,
        data: bytes,
        explicit_hash_key: str | None,
    ) -> PutRecordResult:
        info = self._stream(stream, conn)
        hash_key = check_record(partition_key, data, explicit_hash_key)
        index = min(hash_key // (HASH_KEY_SPACE // info.shard_count), info.shard_count - 1)
        self.store.notify(stream_channel(stream))
        cursor = conn.execute(
            "INSERT INTO stream_records (stream, shard, partition_key, data, arrived_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (stream, index, partition_key, bytes(data), round(self.clock.now(), 3)),
        )
        position = cursor.lastrowid
        if position is None:  # pragma: no cover - sqlite always sets it after an INSERT
            raise RuntimeError("sqlite did not return the record's rowid")
        return PutRecordResult(shard_id(index), sequence_number(position))

    # --- reading ------------------------------------------------------------------------------
    def read(
        self,
        stream: str,
        shard: str,
        *,
        after_sequence: str | None = None,
        limit: int = MAX_GET_RECORDS,
    ) -> list[StreamRecord]:
        """Up to ``limit`` records of one shard in sequence order, after ``after_sequence``
        (from the oldest record kept when None)."""
        if not 1 <= limit <= MAX_GET_RECORDS:
            raise StreamError("ValidationException", "Limit must be 1 to 10000")
        info = self._stream(stream)
        after = 0 if after_sequence is None else sequence_position(after_sequence)
        return self._read(info, info.shard_index(shard), after, limit)

    def _read(self, info: _Stream, index: int, after: int, limit: int) -> list[StreamRecord]:
        rows = self.store.connection().execute(
            "SELECT * FROM stream_records WHERE stream = ? AND shard = ? AND position > ? "
            "ORDER BY position LIMIT ?",
            (info.name, index, after, limit),
        )
        return [
            StreamRecord(
                stream=info.name,
                shard_id=shard_id(index),
                sequence_number=sequence_number(r["position"]),
                partition_key=r["partition_key"],
                data=bytes(r["data"]),
                approximate_arrival_timestamp=r["arrived_at"],
            )
            for r in rows
        ]

    def latest_sequence(self, stream: str, shard: str) -> str | None:
        """The sequence number of the shard's newest record (None if it holds none)."""
        info = self._stream(stream)
        latest = self._latest(info, info.shard_index(shard))
        return sequence_number(latest) if latest else None

    def _latest(self, info: _Stream, index: int) -> int:
        row = (
            self.store.connection()
            .execute(
                "SELECT MAX(position) AS p FROM stream_records WHERE stream = ? AND shard = ?",
                (info.name, index),
            )
            .fetchone()
        )
        return int(row["p"] or 0)

    def sequence_before(self, stream: str, shard: str, timestamp: float) -> str | None:
        """The sequence number of the last record that arrived before ``timestamp``: reading
        after it starts at the first record that arrived at or after it (None: from the oldest)."""
        info = self._stream(stream)
        before = self._before(info, info.shard_index(shard), timestamp)
        return sequence_number(before) if before else None

    def _before(self, info: _Stream, index: int, timestamp: float) -> int:
        row = (
            self.store.connection()
            .execute(
                "SELECT MIN(position) AS p FROM stream_records "
                "WHERE stream = ? AND shard = ? AND arrived_at >= ?",
                (info.name, index, timestamp),
            )
            .fetchone()
        )
        if row["p"] is not None:
            return int(row["p"]) - 1
        return self._latest(info, index)

    # --- shard iterators ----------------------------------------------------------------------
    def get_shard_iterator(
        self,
        stream: str,
        shard: str,
        iterator_type: IteratorType,
        *,
        sequence_number: str | None = None,
        timestamp: float | None = None,
    ) -> str:
        """A shard iterator, valid for five minutes, as ``GetShardIterator`` returns it."""
        info = self._stream(stream)
        index = info.shard_index(shard)
        if iterator_type not in ITERATOR_TYPES:
            raise StreamError("ValidationException", f"unknown ShardIteratorType {iterator_type!r}")
        if iterator_type in {"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"}:
            if sequence_number is None:
                raise StreamError(
                    "InvalidArgumentException", f"{iterator_type} needs a StartingSequenceNumber"
                )
            position = self._position_in(info, index, sequence_number)
            after = position - 1 if iterator_type == "AT_SEQUENCE_NUMBER" else position
        elif iterator_type == "AT_TIMESTAMP":
            if timestamp is None:
                raise StreamError("InvalidArgumentException", "AT_TIMESTAMP needs a Timestamp")
            after = self._before(info, index, timestamp)
        elif iterator_type == "LATEST":
            after = self._latest(info, index)
        else:  # TRIM_HORIZON
            after = 0
        return self._iterator(info.name, index, after)

    def _position_in(self, info: _Stream, index: int, value: str) -> int:
        position = sequence_position(value)
        row = (
            self.store.connection()
            .execute("SELECT stream, shard FROM stream_records WHERE position = ?", (position,))
            .fetchone()
        )
        if row is not None and (row["stream"], row["shard"]) != (info.name, index):
            raise StreamError(
                "InvalidArgumentException",
                f"StartingSequenceNumber {value} used in GetShardIterator on shard "
                f"{shard_id(index)} in stream {info.name} under account {ACCOUNT} is invalid "
                "because it did not come from this stream.",
            )
        return position

    def _iterator(self, stream: str, index: int, after: int) -> str:
        return encode_iterator(stream, index, after, self.clock.now())

    def get_records(self, shard_iterator: str, *, limit: int = MAX_GET_RECORDS) -> GetRecordsResult:
        """Records from the iterator's position (up to ``limit`` and 10 MiB of data), the
        iterator to continue with, and how far behind the newest record the reader is."""
        if not 1 <= limit <= MAX_GET_RECORDS:
            raise StreamError("ValidationException", "Limit must be 1 to 10000")
        stream, index, after, issued = decode_iterator(shard_iterator)
        now = self.clock.now()
        if now - issued > ITERATOR_LIFETIME:
            raise StreamError(
                "ExpiredIteratorException",
                f"Iterator expired. The iterator was created at {issued}",
            )
        info = self._stream(stream)
        records = self._read(info, index, after, limit)
        size = 0
        for count, record in enumerate(records):
            size += len(record.data) + len(record.partition_key.encode())
            if size > MAX_GET_RECORDS_BYTES and count > 0:
                records = records[:count]
                break
        position = sequence_position(records[-1].sequence_number) if records else after
        behind = 0
        if records and position < self._latest(info, index):
            behind = max(0, int((now - records[-1].approximate_arrival_timestamp) * 1000))
        return GetRecordsResult(records, self._iterator(info.name, index, position), behind)

    # --- retention ----------------------------------------------------------------------------
    def expire(self) -> int:
        """Drop records older than their stream's retention period; how many were dropped."""
        now = self.clock.now()
        removed = 0
        with self.store.write() as conn:
            for row in conn.execute("SELECT name, retention_hours FROM streams").fetchall():
                removed += conn.execute(
                    "DELETE FROM stream_records WHERE stream = ? AND arrived_at < ?",
                    (row["name"], now - row["retention_hours"] * 3600),
                ).rowcount
        return removed
