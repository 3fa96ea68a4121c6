"""Kinesis's addressing and limits, with no storage: shards and their hash key ranges, partition
keys, sequence numbers, the shapes of records and results, and shard iterator tokens.

A record goes to the shard whose hash key range holds the MD5 of its partition key (read as a
128-bit big-endian integer), or its explicit hash key; the ranges split ``0..2**128-1`` evenly,
as ``CreateStream`` splits them. A sequence number is a 56-digit decimal string: ``SEQUENCE_BASE``
plus the record's position in the store. ``ordermesh_platform.runtime.streams`` stores the
streams and their records.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, NotRequired, TypedDict

from ordermesh_platform.shared.aws import AwsError

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
STREAM_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,128}")
_HASH_KEY = re.compile(r"0|[1-9]\d{0,38}")
SHARD_ID = re.compile(r"shardId-(\d{12})")


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


def check_record(partition_key: str, data: bytes, explicit_hash_key: str | None) -> int:
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


def encode_iterator(stream: str, index: int, after: int, issued: float) -> str:
    """A shard iterator: reading ``stream``'s shard ``index`` after position ``after``, issued
    at ``issued`` (it expires ``ITERATOR_LIFETIME`` seconds later)."""
    token = json.dumps([stream, index, after, issued], separators=(",", ":"))
    return base64.urlsafe_b64encode(token.encode()).decode()


def decode_iterator(token: str) -> tuple[str, int, int, float]:
    """The stream, shard index, position and time of issue of a shard iterator."""
    try:
        decoded: Any = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error) as exc:
        raise StreamError("InvalidArgumentException", "invalid ShardIterator") from exc
    match decoded:
        case [str(stream), int(index), int(after), float(issued) | int(issued)]:
            return stream, index, after, float(issued)
        case _:
            raise StreamError("InvalidArgumentException", "invalid ShardIterator")
