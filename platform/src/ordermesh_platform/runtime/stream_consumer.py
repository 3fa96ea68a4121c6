"""The Kinesis event source mapping: reads each shard in sequence order, one batch at a time,
calls the function with the exact Kinesis event Lambda sends, and checkpoints in SQLite.

A checkpoint is the sequence number of the last record finished with in a shard, written after
the function returns, so a batch in flight when the process dies is delivered again (at least
once). A failed batch is retried, split in two first when ``bisect_batch_on_function_error`` is
on (splitting does not use up retries, as in Lambda); the parts still to deliver are stored with
the checkpoint, so retries and their counts survive a restart. With
``report_batch_item_failures`` the lowest sequence number in ``batchItemFailures`` becomes the
point to retry from. A batch that runs out of retries, or records older than
``maximum_record_age``, are discarded: the checkpoint moves past them and, with ``on_failure``,
a record of the batch goes to that queue as Lambda writes it.
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ordermesh_platform.runtime.function_calls import FunctionError
from ordermesh_platform.runtime.functions import Functions
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.stream_shards import (
    StreamRecord,
    sequence_number,
    sequence_position,
)
from ordermesh_platform.runtime.streams import Streams
from ordermesh_platform.shared.aws import ACCOUNT, REGION, function_arn, stream_arn

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS stream_checkpoints (
    consumer TEXT NOT NULL,
    stream TEXT NOT NULL,
    shard TEXT NOT NULL,
    sequence_number TEXT,
    retrying TEXT NOT NULL DEFAULT '[]',
    updated_at REAL NOT NULL,
    PRIMARY KEY (consumer, stream, shard)
);
"""

MAX_BATCH_SIZE = 10_000
MAX_BATCHING_WINDOW = 300
MAX_RETRY_ATTEMPTS = 10_000
MAX_RETRY_BACKOFF = 60.0
MIN_RECORD_AGE, MAX_RECORD_AGE = 60, 604_800
MAX_PAYLOAD_BYTES = 6_291_456  # the synchronous invoke payload limit, 6 MB
STARTING_POSITIONS = frozenset({"TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"})

StartingPosition = Literal["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"]
_EVENT_OVERHEAD = len(json.dumps({"Records": []}))
_TIMESTAMP_DIGITS = 16  # "1767225600.123" in place of the sample's "0.0", with room to spare


@dataclass(frozen=True)
class StreamConsumerSettings:
    """An event source mapping's configuration, named as ``CreateEventSourceMapping`` names it.

    ``maximum_retry_attempts`` and ``maximum_record_age`` are -1 for "until the record expires";
    ``on_failure`` is the name of a queue; ``report_batch_item_failures`` stands for
    ``FunctionResponseTypes: ["ReportBatchItemFailures"]``.
    """

    name: str  # the mapping's identity: its checkpoints are stored under it
    stream: str
    function: str
    starting_position: StartingPosition
    starting_position_timestamp: float | None = None
    batch_size: int = 100
    maximum_batching_window: float = 0.0
    bisect_batch_on_function_error: bool = False
    maximum_retry_attempts: int = -1
    maximum_record_age: float = -1
    on_failure: str | None = None
    report_batch_item_failures: bool = False
    # after a failed invoke, wait retry_backoff seconds (doubling per failure in a row, at most
    # MAX_RETRY_BACKOFF) before retrying that shard; 0 retries at once
    retry_backoff: float = 0.0

    def __post_init__(self) -> None:
        if self.starting_position not in STARTING_POSITIONS:
            raise ValueError("starting_position must be TRIM_HORIZON, LATEST or AT_TIMESTAMP")
        if (self.starting_position == "AT_TIMESTAMP") != (
            self.starting_position_timestamp is not None
        ):
            raise ValueError("starting_position_timestamp goes with AT_TIMESTAMP, and only with it")
        if not 1 <= self.batch_size <= MAX_BATCH_SIZE:
            raise ValueError("batch_size must be 1 to 10000")
        if not 0 <= self.maximum_batching_window <= MAX_BATCHING_WINDOW:
            raise ValueError("maximum_batching_window must be 0 to 300 seconds")
        if not -1 <= self.maximum_retry_attempts <= MAX_RETRY_ATTEMPTS:
            raise ValueError(
                "maximum_retry_attempts must be -1 (until the record expires) to 10000"
            )
        if self.maximum_record_age != -1 and not (
            MIN_RECORD_AGE <= self.maximum_record_age <= MAX_RECORD_AGE
        ):
            raise ValueError("maximum_record_age must be -1 (no limit) or 60 to 604800 seconds")


# --- the event Lambda sends ---------------------------------------------------------------------
def execution_role_arn(function: str) -> str:
    """The role the mapping reads the stream with (``invokeIdentityArn``)."""
    return f"arn:aws:iam::{ACCOUNT}:role/{function}-role"


def kinesis_record(record: StreamRecord, *, function: str) -> dict[str, Any]:
    """One record of a Kinesis batch event, field for field as Lambda sends it."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record.partition_key,
            "sequenceNumber": record.sequence_number,
            "data": base64.b64encode(record.data).decode(),
            "approximateArrivalTimestamp": record.approximate_arrival_timestamp,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{record.shard_id}:{record.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": execution_role_arn(function),
        "awsRegion": REGION,
        "eventSourceARN": stream_arn(record.stream),
    }


def kinesis_event(records: Sequence[StreamRecord], *, function: str) -> dict[str, Any]:
    """The event a Kinesis event source mapping passes to its function."""
    return {"Records": [kinesis_record(r, function=function) for r in records]}


def iso_millis(epoch: float) -> str:
    """UTC with milliseconds and a ``Z``, as the on-failure record spells its times."""
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


# --- the mapping --------------------------------------------------------------------------------
@dataclass
class _Part:
    """Records of a failed batch still to deliver: those after ``after``, up to ``last``."""

    after: str | None
    last: str
    retries: int = 0
    invocations: int = 0
    request_id: str | None = None
    function_error: str | None = None

    def split(self, after: str | None, last: str) -> _Part:
        return _Part(
            after, last, self.retries, self.invocations, self.request_id, self.function_error
        )


@dataclass
class _Shard:
    shard_id: str
    checkpoint: str | None
    retrying: list[_Part] = field(default_factory=list)


class StreamConsumer:
    """One Kinesis event source mapping; ``poll_once`` delivers at most one batch per shard."""

    def __init__(
        self,
        settings: StreamConsumerSettings,
        streams: Streams,
        functions: Functions,
        queues: Queues,
    ) -> None:
        self.settings = settings
        self.streams = streams
        self.functions = functions
        self.queues = queues
        self.store = streams.store
        self.clock = streams.clock
        self._not_before: dict[str, float] = {}
        self._failures_in_row: dict[str, int] = {}
        self.store.ensure_schema(SCHEMA)
        self.shard_ids = [s.shard_id for s in streams.describe(settings.stream).shards]
        sample = StreamRecord(settings.stream, self.shard_ids[0], sequence_number(1), "", b"", 0.0)
        sample_size = len(json.dumps(kinesis_record(sample, function=settings.function)))
        # per record: the sample's size without its empty partition key, counted per record
        self._record_overhead = sample_size - len(json.dumps("")) + _TIMESTAMP_DIGITS
        if settings.on_failure is not None and settings.on_failure not in queues.names():
            queues.create(settings.on_failure)
        self._start()

    def _start(self) -> None:
        """Store each shard's starting position the first time the mapping is created: LATEST
        means the newest record at that moment, also after a restart."""
        settings = self.settings
        with self.store.write() as conn:
            for shard in self.shard_ids:
                if self._row(conn, shard) is not None:
                    continue
                start: str | None = None
                if settings.starting_position == "LATEST":
                    start = self.streams.latest_sequence(settings.stream, shard)
                elif settings.starting_position_timestamp is not None:
                    start = self.streams.sequence_before(
                        settings.stream, shard, settings.starting_position_timestamp
                    )
                conn.execute(
                    "INSERT INTO stream_checkpoints (consumer, stream, shard, sequence_number, "
                    "updated_at) VALUES (?, ?, ?, ?, ?)",
                    (settings.name, settings.stream, shard, start, self.clock.now()),
                )

    def checkpoint(self, shard: str) -> str | None:
        """The sequence number of the last record finished with in ``shard``."""
        row = self._row(self.store.connection(), shard)
        return None if row is None else row["sequence_number"]

    def poll_once(self) -> int:
        """Deliver at most one batch from each shard; how many records the function was given."""
        if self.settings.function not in self.functions.names():
            logger.debug(
                "stream consumer %s: no function %s", self.settings.name, self.settings.function
            )
            return 0
        return sum(self._poll(shard) for shard in self.shard_ids)

    def _poll(self, shard_id: str) -> int:
        if self.clock.now() < self._not_before.get(shard_id, 0.0):
            return 0
        shard = self._load(shard_id)
        if shard.retrying:
            part = shard.retrying[0]
            end = sequence_position(part.last)
            records = [
                r
                for r in self._read(shard_id, part.after)
                if sequence_position(r.sequence_number) <= end
            ]
            if not records:  # trimmed from the stream while being retried
                self._finish(shard)
                return 0
        else:
            records = self._next_batch(shard_id, shard.checkpoint)
            if not records:
                return 0
            part = _Part(shard.checkpoint, records[-1].sequence_number)
            shard.retrying = [part]
        records = self._drop_aged(shard, part, records)
        return self._deliver(shard, part, records) if records else 0

    def _read(self, shard_id: str, after: str | None) -> list[StreamRecord]:
        return self.streams.read(
            self.settings.stream, shard_id, after_sequence=after, limit=self.settings.batch_size
        )

    def _next_batch(self, shard_id: str, checkpoint: str | None) -> list[StreamRecord]:
        """The next batch: up to ``batch_size`` records within the 6 MB payload limit; none
        while the batching window is still gathering a batch that is not full."""
        records = self._read(shard_id, checkpoint)
        size = _EVENT_OVERHEAD
        for count, record in enumerate(records):
            size += self._record_size(record)
            if size > MAX_PAYLOAD_BYTES and count > 0:
                return records[:count]  # as full as the payload limit allows
        window = self.settings.maximum_batching_window
        if not records or len(records) >= self.settings.batch_size or window == 0:
            return records
        gathered = self.clock.now() >= records[0].approximate_arrival_timestamp + window
        return records if gathered else []

    def _record_size(self, record: StreamRecord) -> int:
        """The size of the record in the event's JSON (and the comma before the next)."""
        encoded_data = 4 * ((len(record.data) + 2) // 3)
        return self._record_overhead + encoded_data + len(json.dumps(record.partition_key)) + 1

    def _drop_aged(
        self, shard: _Shard, part: _Part, records: list[StreamRecord]
    ) -> list[StreamRecord]:
        """Discard the records older than ``maximum_record_age``; the rest."""
        max_age = self.settings.maximum_record_age
        if max_age < 0:
            return records
        now = self.clock.now()
        aged = 0
        while aged < len(records) and now - records[aged].approximate_arrival_timestamp > max_age:
            aged += 1
        if aged == 0:
            return records
        old, rest = records[:aged], records[aged:]
        if rest:
            shard.retrying.insert(0, part.split(part.after, old[-1].sequence_number))
            part.after = old[-1].sequence_number
        self._discard(shard, old, "RecordAgeExceeded")
        return rest

    def _deliver(self, shard: _Shard, part: _Part, records: list[StreamRecord]) -> int:
        part.request_id = str(uuid.uuid4())
        part.invocations += 1
        event = kinesis_event(records, function=self.settings.function)
        try:
            response = self.functions.invoke(
                self.settings.function, event, request_id=part.request_id
            )
        except FunctionError as error:
            logger.warning(
                "%s failed a batch of %d from %s: %s",
                self.settings.function,
                len(records),
                shard.shard_id,
                error,
            )
            part.function_error = "Unhandled"
            self._back_off(shard.shard_id)
            self._batch_failed(shard, part, records)
            return len(records)
        part.function_error = None
        failed = self._first_failure(response, records)
        if failed is None:
            self._failures_in_row.pop(shard.shard_id, None)
            self._not_before.pop(shard.shard_id, None)
            self._finish(shard)
            return len(records)
        self._back_off(shard.shard_id)
        if failed == "batch":
            self._batch_failed(shard, part, records)
        else:
            self._retry_from(shard, part, records, failed)
        return len(records)

    def _back_off(self, shard_id: str) -> None:
        """Hold the shard back before its retry, longer for each failure in a row."""
        if self.settings.retry_backoff <= 0:
            return
        failures = self._failures_in_row.get(shard_id, 0)
        self._failures_in_row[shard_id] = failures + 1
        delay = min(self.settings.retry_backoff * 2**failures, MAX_RETRY_BACKOFF)
        self._not_before[shard_id] = self.clock.now() + delay

    def _first_failure(
        self, response: Any, records: Sequence[StreamRecord]
    ) -> int | Literal["batch"] | None:
        """Where ``batchItemFailures`` says to retry from: the index of the lowest failed
        record, ``"batch"`` when the response is malformed, None on success."""
        if not self.settings.report_batch_item_failures or not isinstance(response, Mapping):
            return None
        failures = response.get("batchItemFailures")
        if failures is None or failures == []:
            return None
        if not isinstance(failures, list):
            return "batch"
        index = {r.sequence_number: i for i, r in enumerate(records)}
        lowest = len(records)
        for failure in failures:
            identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
            if not isinstance(identifier, str) or identifier not in index:
                return "batch"
            lowest = min(lowest, index[identifier])
        return lowest

    def _batch_failed(self, shard: _Shard, part: _Part, records: list[StreamRecord]) -> None:
        """The whole batch failed: split it in two (without using a retry), or retry it."""
        if self.settings.bisect_batch_on_function_error and len(records) > 1:
            middle = records[len(records) // 2 - 1].sequence_number
            shard.retrying[0:1] = [part.split(part.after, middle), part.split(middle, part.last)]
            self._save(shard)
            return
        self._retry_or_discard(shard, part, records)

    def _retry_from(
        self, shard: _Shard, part: _Part, records: list[StreamRecord], failed: int
    ) -> None:
        """A partial failure: checkpoint before the lowest failed record, retry from it."""
        if failed > 0:
            part.after = shard.checkpoint = records[failed - 1].sequence_number
        self._retry_or_discard(shard, part, records[failed:])

    def _retry_or_discard(self, shard: _Shard, part: _Part, records: list[StreamRecord]) -> None:
        part.retries += 1
        limit = self.settings.maximum_retry_attempts
        if limit != -1 and part.retries > limit:
            self._discard(shard, records, "RetryAttemptsExhausted")
        else:
            self._save(shard)

    def _finish(self, shard: _Shard) -> None:
        """The first part is done with: checkpoint at its end."""
        part = shard.retrying.pop(0)
        shard.checkpoint = part.last
        self._save(shard)

    def _discard(self, shard: _Shard, records: list[StreamRecord], condition: str) -> None:
        """Give up on the first part: record it in the on-failure queue, checkpoint past it."""
        part = shard.retrying[0]
        logger.warning(
            "stream consumer %s discards %d records of %s (%s)",
            self.settings.name,
            len(records),
            shard.shard_id,
            condition,
        )
        with self.store.write() as conn:
            if self.settings.on_failure is not None:
                body = json.dumps(self._failure_record(part, records, condition))
                self.queues.send(self.settings.on_failure, body, conn=conn)
            shard.retrying.pop(0)
            shard.checkpoint = part.last
            self._save(shard, conn)

    def _failure_record(
        self, part: _Part, records: list[StreamRecord], condition: str
    ) -> dict[str, Any]:
        """The invocation record Lambda sends to an on-failure destination."""
        response_context: dict[str, Any] | None = None
        if part.invocations:
            response_context = {"statusCode": 200, "executedVersion": "$LATEST"}
            if part.function_error is not None:
                response_context["functionError"] = part.function_error
        first, last = records[0], records[-1]
        return {
            "requestContext": {
                "requestId": part.request_id or str(uuid.uuid4()),
                "functionArn": function_arn(self.settings.function),
                "condition": condition,
                "approximateInvokeCount": part.invocations,
            },
            "responseContext": response_context,
            "version": "1.0",
            "timestamp": iso_millis(self.clock.now()),
            "KinesisBatchInfo": {
                "shardId": first.shard_id,
                "startSequenceNumber": first.sequence_number,
                "endSequenceNumber": last.sequence_number,
                "approximateArrivalOfFirstRecord": iso_millis(first.approximate_arrival_timestamp),
                "approximateArrivalOfLastRecord": iso_millis(last.approximate_arrival_timestamp),
                "batchSize": len(records),
                "streamArn": stream_arn(self.settings.stream),
            },
        }

    # --- state --------------------------------------------------------------------------------
    def _row(self, conn: sqlite3.Connection, shard: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM stream_checkpoints WHERE consumer = ? AND stream = ? AND shard = ?",
            (self.settings.name, self.settings.stream, shard),
        ).fetchone()
        return row

    def _load(self, shard: str) -> _Shard:
        row = self._row(self.store.connection(), shard)
        if row is None:  # pragma: no cover - _start stores a row for every shard
            raise RuntimeError(f"no checkpoint row for {self.settings.name} {shard}")
        retrying = [_Part(**p) for p in json.loads(row["retrying"])]
        return _Shard(shard, row["sequence_number"], retrying)

    def _save(self, shard: _Shard, conn: sqlite3.Connection | None = None) -> None:
        values = (
            shard.checkpoint,
            json.dumps([asdict(p) for p in shard.retrying]),
            self.clock.now(),
            self.settings.name,
            self.settings.stream,
            shard.shard_id,
        )
        sql = (
            "UPDATE stream_checkpoints SET sequence_number = ?, retrying = ?, updated_at = ? "
            "WHERE consumer = ? AND stream = ? AND shard = ?"
        )
        self.store.execute(sql, values, conn)
