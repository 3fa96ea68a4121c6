"""The stream consumer's batches: the event each batch is (powertools' Kinesis model), each
shard in order one batch at a time, the starting positions (LATEST, AT_TIMESTAMP), the
batching window and the six-megabyte payload limit."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import KinesisDataStreamModel
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.lambda_context import LambdaContext
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.stream_consumer import StreamConsumer, StreamConsumerSettings
from ordermesh_platform.runtime.streams import Streams
from ordermesh_platform.shared.aws import REGION, stream_arn
from ordermesh_platform.shared.clock import ManualClock
from tests.runtime.stream_reader import SHARD0, Reader, _consumer, _drain, _put


# --- the event ----------------------------------------------------------------------------------
def test_every_batch_parses_as_powertools_kinesis_model(
    streams: Streams, functions: Functions, queues: Queues, clock: ManualClock
) -> None:
    streams.create("wide", shard_count=3)
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], _context: LambdaContext) -> None:
        seen.append(event)
        KinesisDataStreamModel.model_validate(event)

    functions.register("reader", FunctionSettings(handler="x:y"), handler)
    consumer = StreamConsumer(
        StreamConsumerSettings(
            name="c", stream="wide", function="reader", starting_position="TRIM_HORIZON"
        ),
        streams,
        functions,
        queues,
    )
    payloads = {f"key-{i}": bytes([i, 0, 255, 10]) + f"é{i}".encode() for i in range(30)}
    placed = {key: streams.put_record("wide", key, data) for key, data in payloads.items()}
    _drain(consumer)

    delivered: dict[str, bytes] = {}
    for event in seen:
        parsed = KinesisDataStreamModel.model_validate(event)
        assert len({r.eventID.split(":")[0] for r in parsed.Records}) == 1, "one shard per batch"
        for record in parsed.Records:
            assert record.eventSourceARN == stream_arn("wide")
            assert record.awsRegion == REGION
            assert record.kinesis.kinesisSchemaVersion == "1.0"
            shard, sequence = placed[record.kinesis.partitionKey]
            assert record.eventID == f"{shard}:{sequence}"
            assert record.kinesis.sequenceNumber == sequence
            assert record.kinesis.approximateArrivalTimestamp == pytest.approx(clock.now())
            assert isinstance(record.kinesis.data, bytes)
            delivered[record.kinesis.partitionKey] = record.kinesis.data
    assert delivered == payloads
    raw = seen[0]["Records"][0]
    assert list(raw) == [
        "kinesis",
        "eventSource",
        "eventVersion",
        "eventID",
        "eventName",
        "invokeIdentityArn",
        "awsRegion",
        "eventSourceARN",
    ]
    assert raw["eventName"] == "aws:kinesis:record"
    kinesis = raw["kinesis"]
    assert list(kinesis) == [
        "kinesisSchemaVersion",
        "partitionKey",
        "sequenceNumber",
        "data",
        "approximateArrivalTimestamp",
    ]
    assert type(kinesis["approximateArrivalTimestamp"]) is float, "float seconds, not text"
    assert base64.b64decode(kinesis["data"], validate=True) == payloads[kinesis["partitionKey"]]
    assert raw["invokeIdentityArn"].startswith("arn:aws:iam::")


# --- order, batches, starting positions ----------------------------------------------------------
def test_each_shard_is_delivered_in_order_one_batch_at_a_time(
    streams: Streams, functions: Functions, queues: Queues
) -> None:
    streams.create("two", shard_count=2)
    reader = Reader()
    functions.register("reader", FunctionSettings(handler="x:y"), reader)
    consumer = StreamConsumer(
        StreamConsumerSettings(
            name="c",
            stream="two",
            function="reader",
            starting_position="TRIM_HORIZON",
            batch_size=3,
        ),
        streams,
        functions,
        queues,
    )
    put = [streams.put_record("two", f"key-{i % 5}", f"{i}".encode()) for i in range(20)]
    assert len({shard for shard, _ in put}) == 2
    assert consumer.poll_once() == 6, "one full batch from each of the two shards"
    assert len(reader.batches) == 2
    _drain(consumer)
    for shard in {shard for shard, _ in put}:
        expected = [f"{i}".encode() for i, (s, _) in enumerate(put) if s == shard]
        got = [
            d for b, s in zip(reader.batches, reader.shards, strict=True) if s == shard for d in b
        ]
        assert got == expected, "in sequence order, each record once"
    assert all(len(b) <= 3 for b in reader.batches)
    assert consumer.checkpoint(SHARD0) == max(seq for s, seq in put if s == SHARD0)


def test_latest_starts_after_the_records_already_in_the_stream(
    streams: Streams, functions: Functions, queues: Queues
) -> None:
    _put(streams, b"before")
    reader = Reader()
    consumer = _consumer(streams, functions, queues, reader, starting_position="LATEST")
    assert consumer.poll_once() == 0
    _put(streams, b"after")
    _drain(consumer)
    assert reader.batches == [[b"after"]]


def test_at_timestamp_starts_at_the_first_record_that_arrived_then(
    streams: Streams, functions: Functions, queues: Queues, clock: ManualClock
) -> None:
    _put(streams, b"early")
    clock.advance(60)
    start = clock.now()
    _put(streams, b"on-time")
    clock.advance(60)
    _put(streams, b"late")
    reader = Reader()
    consumer = _consumer(
        streams,
        functions,
        queues,
        reader,
        starting_position="AT_TIMESTAMP",
        starting_position_timestamp=start,
    )
    _drain(consumer)
    assert reader.batches == [[b"on-time", b"late"]]


def test_the_batching_window_waits_for_a_full_batch(
    streams: Streams, functions: Functions, queues: Queues, clock: ManualClock
) -> None:
    reader = Reader()
    consumer = _consumer(
        streams, functions, queues, reader, batch_size=3, maximum_batching_window=10
    )
    _put(streams, b"1", b"2")
    assert consumer.poll_once() == 0
    clock.advance(9)
    assert consumer.poll_once() == 0
    clock.advance(1)
    assert consumer.poll_once() == 2
    _put(streams, b"3", b"4", b"5")
    assert consumer.poll_once() == 3, "a full batch does not wait"
    assert reader.batches == [[b"1", b"2"], [b"3", b"4", b"5"]]


def test_a_batch_stays_within_the_six_megabyte_payload_limit(
    streams: Streams, functions: Functions, queues: Queues
) -> None:
    reader = Reader()
    consumer = _consumer(streams, functions, queues, reader)
    _put(streams, *(bytes([i]) * 1_000_000 for i in range(6)))  # about 1.33 MB each in base64
    _drain(consumer)
    assert [len(b) for b in reader.batches] == [4, 2]
