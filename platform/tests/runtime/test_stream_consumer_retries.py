"""The stream consumer's function errors: bisecting a batch to isolate a poison record,
retries until they are exhausted, the records expire or grow too old, the record sent
to the on-failure queue, and the backoff that holds a failing shard back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.stream_consumer import StreamConsumer, StreamConsumerSettings
from ordermesh_platform.runtime.streams import Streams
from ordermesh_platform.shared.aws import function_arn, stream_arn
from ordermesh_platform.shared.clock import ManualClock
from tests.runtime.stream_reader import SHARD0, Reader, _consumer, _dead_letters, _drain, _put


def test_bisect_on_error_isolates_a_poison_record(
    streams: Streams, functions: Functions, queues: Queues
) -> None:
    def respond(data: list[bytes]) -> Exception | None:
        return ValueError("poison") if b"poison" in data else None

    reader = Reader(respond=respond)
    consumer = _consumer(
        streams,
        functions,
        queues,
        reader,
        bisect_batch_on_function_error=True,
        maximum_retry_attempts=0,
        on_failure="stream-dlq",
    )
    data = [b"0", b"1", b"2", b"3", b"4", b"poison", b"6", b"7"]
    numbers = _put(streams, *data)
    _drain(consumer)
    assert reader.batches == [
        data,
        data[:4],
        data[4:],
        data[4:6],
        data[4:5],
        data[5:6],
        data[6:],
    ], "split in halves (no retry used) until the poison record is alone"
    succeeded = [d for b in reader.batches if b"poison" not in b for d in b]
    assert sorted(succeeded) == sorted(d for d in data if d != b"poison")
    assert len(succeeded) == 7, "every other record succeeded exactly once"
    [record] = _dead_letters(queues)
    info = record["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (numbers[5], numbers[5])
    assert info["batchSize"] == 1
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 4
    assert consumer.checkpoint(SHARD0) == numbers[-1]


def test_a_batch_that_exhausts_its_retries_goes_to_the_on_failure_queue(
    streams: Streams, functions: Functions, queues: Queues, clock: ManualClock
) -> None:
    failing = True

    def respond(_data: list[bytes]) -> Exception | None:
        return RuntimeError("boom") if failing else None

    reader = Reader(respond=respond)
    consumer = _consumer(
        streams, functions, queues, reader, maximum_retry_attempts=2, on_failure="stream-dlq"
    )
    first_arrival = clock.now()
    numbers = _put(streams, b"a")
    clock.advance(1.5)
    numbers += _put(streams, b"b", b"c")
    clock.advance(2)
    for _ in range(2):
        assert consumer.poll_once() == 3
        assert _dead_letters(queues) == []
        assert consumer.checkpoint(SHARD0) is None, "no progress while retrying"
    assert consumer.poll_once() == 3, "the second retry fails too: the batch is discarded"
    assert consumer.poll_once() == 0
    assert len(reader.batches) == 3, "one try and two retries"
    [record] = _dead_letters(queues)
    assert record == {
        "requestContext": {
            "requestId": reader.request_ids[-1],
            "functionArn": function_arn("reader"),
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 3,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "version": "1.0",
        "timestamp": _iso(first_arrival + 3.5),
        "KinesisBatchInfo": {
            "shardId": SHARD0,
            "startSequenceNumber": numbers[0],
            "endSequenceNumber": numbers[-1],
            "approximateArrivalOfFirstRecord": _iso(first_arrival),
            "approximateArrivalOfLastRecord": _iso(first_arrival + 1.5),
            "batchSize": 3,
            "streamArn": stream_arn("events"),
        },
    }
    assert consumer.checkpoint(SHARD0) == numbers[-1]
    failing = False
    _put(streams, b"d")
    _drain(consumer)
    assert reader.batches[-1] == [b"d"], "the shard moves on"


def test_with_unlimited_retries_a_batch_is_retried_until_it_expires(
    streams: Streams, functions: Functions, queues: Queues, clock: ManualClock
) -> None:
    reader = Reader(respond=lambda _d: RuntimeError("down"))
    consumer = _consumer(streams, functions, queues, reader, on_failure="stream-dlq")
    _put(streams, b"a")
    for _ in range(20):
        assert consumer.poll_once() == 1
    clock.advance(24 * 3600 + 1)
    assert streams.expire() == 1
    assert consumer.poll_once() == 0
    assert len(reader.batches) == 20
    assert _dead_letters(queues) == [], "records trimmed from the stream are not reported"
    _put(streams, b"b")
    assert consumer.poll_once() == 1
    assert reader.batches[-1] == [b"b"]


def test_records_older_than_the_maximum_age_are_discarded(
    streams: Streams, functions: Functions, queues: Queues, clock: ManualClock
) -> None:
    reader = Reader(respond=lambda d: RuntimeError("down") if b"a" in d else None)
    consumer = _consumer(
        streams, functions, queues, reader, maximum_record_age=60, on_failure="stream-dlq"
    )
    numbers = _put(streams, b"a")
    assert consumer.poll_once() == 1
    assert consumer.poll_once() == 1
    clock.advance(61)
    numbers += _put(streams, b"b")
    assert consumer.poll_once() == 0, "the failing record is too old to retry"
    [record] = _dead_letters(queues)
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["KinesisBatchInfo"]["startSequenceNumber"] == numbers[0]
    assert record["KinesisBatchInfo"]["batchSize"] == 1
    _drain(consumer)
    assert reader.batches == [[b"a"], [b"a"], [b"b"]]


def _iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def test_retry_backoff_holds_a_failing_shard_back(
    streams: Streams, functions: Functions, queues: Queues, clock: ManualClock
) -> None:
    streams.create("s")
    calls: list[float] = []

    def failing(_event: Any, _context: Any) -> None:
        calls.append(clock.now())
        raise RuntimeError

    functions.register("f", FunctionSettings(handler="x:y"), failing)
    settings = StreamConsumerSettings(
        name="c", stream="s", function="f", starting_position="TRIM_HORIZON", retry_backoff=1.0
    )
    consumer = StreamConsumer(settings, streams, functions, queues)
    streams.put_record("s", "k", b"poison")
    start = clock.now()
    assert consumer.poll_once() == 1
    assert consumer.poll_once() == 0, "held back for a second"
    clock.advance(1)
    assert consumer.poll_once() == 1
    clock.advance(1)
    assert consumer.poll_once() == 0, "two seconds after the second failure"
    clock.advance(1)
    assert consumer.poll_once() == 1
    assert [t - start for t in calls] == [0, 1, 3]
