"""Kinesis data streams on SQLite: shards, partition keys, sequence numbers, retention.

A record goes to the shard whose hash key range holds the MD5 of its partition key (read as a
128-bit big-endian integer), or its explicit hash key; the ranges split ``0..2**128-1`` evenly,
as ``CreateStream`` splits them. Sequence numbers are 56-digit decimal strings that increase
within a shard and never repeat in the stream, also across restarts and after records expire.
Records are read in sequence order, by position (``read``) or through shard iterators
(``get_shard_iterator`` / ``get_records``), and dropped once older than the retention period.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import sqlite3
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, NotRequired, TypedDict

from ordermesh_platform.shared.aws import ACCOUNT, AwsError, stream_arn
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

HASH_KEY_SPACE = 2**128
MAX_RECORD_BYTES = 1_048_576  # data and partition key together
MAX_PUT_RECORDS = 500
MAX_PUT_RECORDS_BYTES = 5 * 1_048_576
MAX_GET_RECORDS = 10_000
MAX_GET_RECORDS_BYTES = 10 * 1_048_576
MAX_PARTITION_KEY_LENGTH = 256
MIN_RETENTION_HOURS, MAX_RETENTION_HOURS = 24, 8760
MAX_SHARDS = 500  # the account's default shard quota in us-east-1
ITERATOR_LIFETIME = 300.0  # a shard iterator expires five minutes after it is returned
SEQUENCE_BASE = 49 * 10**54  # sequence numbers are this plus the record's position: 56 digits
_STREAM_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,128}")
_HASH_KEY = re.compile(r"0|[1-9]\d{0,38}")
SHARD_ID = re.compile(r"shardId-(\d{12})")


def stream_channel(stream: str) -> str:
    """The store channel notified when a record is put on ``stream``."""
    return f"stream:{stream}"


IteratorType = Literal[
    "TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "AT_TIMESTAMP"
]
ITERATOR_TYPES: frozenset[str] = frozenset(
    {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "AT_TIMESTAMP"}
)


class StreamError(AwsError):
    """A request Kinesis would reject: ``code`` is Kinesis's error code."""


@dataclass(frozen=True)
class Shard:
    shard_id: str
    starting_hash_key: int
    ending_hash_key: int


@dataclass(frozen=True)
class StreamDescription:
    name: str
    arn: str
    status: str
    shards: tuple[Shard, ...]
    retention_hours: int
    created_at: float


@dataclass(frozen=True)
class StreamRecord:
    """A record as ``GetRecords`` returns it, with the stream and shard it was read from."""

    stream: str
    shard_id: str
    sequence_number: str
    partition_key: str
    data: bytes
    approximate_arrival_timestamp: float


class PutRecordResult(NamedTuple):
    shard_id: str
    sequence_number: str


class PutRecordsEntry(TypedDict):
    """One entry of a ``PutRecords`` request, spelled as the API spells it."""

    Data: bytes
    PartitionKey: str
    ExplicitHashKey: NotRequired[str]


@dataclass(frozen=True)
class GetRecordsResult:
    records: list[StreamRecord]
    next_shard_iterator: str
    millis_behind_latest: int


def shard_id(index: int) -> str:
    return f"shardId-{index:012d}"


def hash_key_ranges(shard_count: int) -> list[tuple[int, int]]:
    """The hash key range of each shard of a new stream: ``2**128`` split evenly, the last shard
    taking the remainder."""
    step = HASH_KEY_SPACE // shard_count
    starts = [i * step for i in range(shard_count)]
    ends = [start - 1 for start in starts[1:]] + [HASH_KEY_SPACE - 1]
    return list(zip(starts, ends, strict=True))


def partition_hash_key(partition_key: str) -> int:
    """The MD5 of the partition key as a 128-bit big-endian integer."""
    digest = hashlib.md5(partition_key.encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest, "big")


def sequence_number(position: int) -> str:
    return str(SEQUENCE_BASE + position)


def sequence_position(value: str) -> int:
    """The position a sequence number stands for; InvalidArgumentException if it is not one."""
    if not value.isdigit() or len(value) != len(str(SEQUENCE_BASE)) or int(value) <= SEQUENCE_BASE:
        raise StreamError("InvalidArgumentException", f"{value!r} is not a valid sequence number")
    return int(value) - SEQUENCE_BASE


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
        if not _STREAM_NAME.fullmatch(name):
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
            _check_record(entry["PartitionKey"], entry["Data"], entry.get("ExplicitHashKey"))
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
        hash_key = _check_record(partition_key, data, explicit_hash_key)
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
        token = json.dumps([stream, index, after, self.clock.now()], separators=(",", ":"))
        return base64.urlsafe_b64encode(token.encode()).decode()

    def get_records(self, shard_iterator: str, *, limit: int = MAX_GET_RECORDS) -> GetRecordsResult:
        """Records from the iterator's position (up to ``limit`` and 10 MiB of data), the
        iterator to continue with, and how far behind the newest record the reader is."""
        if not 1 <= limit <= MAX_GET_RECORDS:
            raise StreamError("ValidationException", "Limit must be 1 to 10000")
        stream, index, after, issued = _decode_iterator(shard_iterator)
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


def _check_record(partition_key: str, data: bytes, explicit_hash_key: str | None) -> int:
    """Validate a record as PutRecord does; the hash key that places it."""
    if not 1 <= len(partition_key) <= MAX_PARTITION_KEY_LENGTH:
        raise StreamError(
            "ValidationException",
            "Value at 'partitionKey' failed to satisfy constraint: "
            "Member must have length between 1 and 256",
        )
    size = len(data) + len(partition_key.encode())
    if size > MAX_RECORD_BYTES:
        raise StreamError(
            "ValidationException",
            f"record of {size} bytes (data and partition key) is larger than 1 MiB",
        )
    if explicit_hash_key is None:
        return partition_hash_key(partition_key)
    if not _HASH_KEY.fullmatch(explicit_hash_key) or int(explicit_hash_key) >= HASH_KEY_SPACE:
        raise StreamError(
            "InvalidArgumentException",
            f"ExplicitHashKey {explicit_hash_key!r} must be a decimal integer in 0..2^128-1",
        )
    return int(explicit_hash_key)


def _decode_iterator(token: str) -> tuple[str, int, int, float]:
    try:
        decoded: Any = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error) as exc:
        raise StreamError("InvalidArgumentException", "invalid ShardIterator") from exc
    match decoded:
        case [str(stream), int(index), int(after), float(issued) | int(issued)]:
            return stream, index, after, float(issued)
        case _:
            raise StreamError("InvalidArgumentException", "invalid ShardIterator")
