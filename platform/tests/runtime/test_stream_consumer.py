from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import KinesisDataStreamModel
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.lambda_context import LambdaContext
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.stream_consumer import StreamConsumer, StreamConsumerSettings
from ordermesh_platform.runtime.stream_shards import StreamError
from ordermesh_platform.runtime.streams import Streams
from ordermesh_platform.shared.aws import REGION, function_arn, stream_arn
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store

SHARD0 = "shardId-000000000000"


@dataclass
class Reader:
    """A stream function: parses each event with powertools, remembers the batches, and answers
    with ``respond`` (raising when it returns an exception)."""

    respond: Callable[[list[bytes]], Any] = lambda _data: None
    batches: list[list[bytes]] = field(default_factory=list)
    shards: list[str] = field(default_factory=list)
    sequence_numbers: list[list[str]] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> Any:
        parsed = KinesisDataStreamModel.model_validate(event)
        data = [r.kinesis.data for r in parsed.Records]
        assert all(isinstance(d, bytes) for d in data)
        self.batches.append([d for d in data if isinstance(d, bytes)])
        self.shards.append(parsed.Records[0].eventID.split(":")[0])
        self.sequence_numbers.append([r.kinesis.sequenceNumber for r in parsed.Records])
        self.request_ids.append(context.aws_request_id)
        answer = self.respond(self.batches[-1])
        if isinstance(answer, Exception):
            raise answer
        return answer

    def failures(self, *failed: bytes) -> dict[str, Any]:
        """A batchItemFailures response naming the records of the last batch holding ``failed``."""
        numbers = self.sequence_numbers[-1]
        return {
            "batchItemFailures": [
                {"itemIdentifier": n}
                for n, d in zip(numbers, self.batches[-1], strict=True)
                if d in failed
            ]
        }


@pytest.fixture
def streams(store: Store, clock: ManualClock) -> Streams:
    streams = Streams(store, clock)
    streams.create("events", shard_count=1)
    return streams


def _consumer(
    streams: Streams,
    functions: Functions,
    queues: Queues,
    reader: Reader,
    **settings: Any,
) -> StreamConsumer:
    functions.register("reader", FunctionSettings(handler="x:y"), reader)
    settings.setdefault("starting_position", "TRIM_HORIZON")
    return StreamConsumer(
        StreamConsumerSettings(name="analytics", stream="events", function="reader", **settings),
        streams,
        functions,
        queues,
    )


def _put(streams: Streams, *data: bytes, key: str = "k", stream: str = "events") -> list[str]:
    return [streams.put_record(stream, key, d).sequence_number for d in data]


def _drain(consumer: StreamConsumer, rounds: int = 100) -> None:
    for _ in range(rounds):
        if consumer.poll_once() == 0:
            return
    pytest.fail("the consumer did not become idle")


def _dead_letters(queues: Queues, name: str = "stream-dlq") -> list[dict[str, Any]]:
    return [json.loads(m.body) for m in queues.peek(name)]


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


def test_consumers_of_one_stream_keep_their_own_checkpoints(
    streams: Streams, functions: Functions, queues: Queues
) -> None:
    first, second = Reader(), Reader()
    functions.register("first", FunctionSettings(handler="x:y"), first)
    functions.register("second", FunctionSettings(handler="x:y"), second)
    consumers = [
        StreamConsumer(
            StreamConsumerSettings(
                name=name, stream="events", function=name, starting_position="TRIM_HORIZON"
            ),
            streams,
            functions,
            queues,
        )
        for name in ("first", "second")
    ]
    _put(streams, b"a")
    _drain(consumers[0])
    _put(streams, b"b")
    _drain(consumers[0])
    _drain(consumers[1])
    assert first.batches == [[b"a"], [b"b"]]
    assert second.batches == [[b"a", b"b"]]


# --- restarts -------------------------------------------------------------------------------------
def _open(path: Path, clock: ManualClock, reader: Reader, **settings: Any) -> StreamConsumer:
    store = Store(path)
    queues = Queues(store, clock)
    functions = Functions(store, clock, queues)
    streams = Streams(store, clock)
    streams.create("events")
    return _consumer(streams, functions, queues, reader, **settings)


def test_a_restarted_consumer_resumes_after_its_checkpoint(tmp_path: Path) -> None:
    clock = ManualClock()
    path = tmp_path / "runtime.sqlite3"
    before = Reader()
    consumer = _open(path, clock, before, batch_size=2)
    _put(consumer.streams, b"1", b"2", b"3", b"4", b"5")
    assert consumer.poll_once() == 2
    consumer.store.close()

    after = Reader()
    reopened = _open(path, clock, after, batch_size=2)
    _drain(reopened)
    assert before.batches == [[b"1", b"2"]]
    assert after.batches == [[b"3", b"4"], [b"5"]]
    reopened.store.close()


def test_latest_is_fixed_when_the_mapping_is_created(tmp_path: Path) -> None:
    clock = ManualClock()
    path = tmp_path / "runtime.sqlite3"
    consumer = _open(path, clock, Reader(), starting_position="LATEST")
    _put(consumer.streams, b"while-stopped")
    consumer.store.close()

    reader = Reader()
    reopened = _open(path, clock, reader, starting_position="LATEST")
    _drain(reopened)
    assert reader.batches == [[b"while-stopped"]]
    reopened.store.close()


def test_a_batch_in_flight_when_the_process_dies_is_delivered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock()
    path = tmp_path / "runtime.sqlite3"
    first = Reader()
    consumer = _open(path, clock, first)
    _put(consumer.streams, b"1", b"2")

    def die(*_args: object) -> None:
        raise SystemExit

    with monkeypatch.context() as patch:
        patch.setattr(StreamConsumer, "_finish", die)  # killed before the checkpoint is written
        with pytest.raises(SystemExit):
            consumer.poll_once()
    consumer.store.close()

    second = Reader()
    reopened = _open(path, clock, second)
    _drain(reopened)
    assert first.batches == [[b"1", b"2"]]
    assert second.batches == [[b"1", b"2"]]
    reopened.store.close()


def test_retries_survive_a_restart(tmp_path: Path) -> None:
    clock = ManualClock()
    path = tmp_path / "runtime.sqlite3"
    failing = Reader(respond=lambda _d: RuntimeError("down"))
    settings: dict[str, Any] = {"maximum_retry_attempts": 1, "on_failure": "stream-dlq"}
    consumer = _open(path, clock, failing, **settings)
    _put(consumer.streams, b"1")
    consumer.poll_once()
    consumer.store.close()

    still_failing = Reader(respond=lambda _d: RuntimeError("down"))
    reopened = _open(path, clock, still_failing, **settings)
    _drain(reopened)
    assert len(failing.batches) + len(still_failing.batches) == 2, "one try and one retry in all"
    assert _dead_letters(reopened.queues)[0]["requestContext"]["approximateInvokeCount"] == 2
    reopened.store.close()


# --- errors ---------------------------------------------------------------------------------------
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


# --- batchItemFailures ---------------------------------------------------------------------------
def test_batch_item_failures_checkpoint_before_the_lowest_failure(
    streams: Streams, functions: Functions, queues: Queues
) -> None:
    reader = Reader()
    reader.respond = lambda data: reader.failures(b"e", b"c") if len(data) == 5 else None
    consumer = _consumer(streams, functions, queues, reader, report_batch_item_failures=True)
    numbers = _put(streams, b"a", b"b", b"c", b"d", b"e")
    assert consumer.poll_once() == 5
    assert consumer.checkpoint(SHARD0) == numbers[1]
    assert consumer.poll_once() == 3
    assert consumer.checkpoint(SHARD0) == numbers[4]
    assert reader.batches == [[b"a", b"b", b"c", b"d", b"e"], [b"c", b"d", b"e"]]


@pytest.mark.parametrize(
    "response", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}]
)
def test_no_batch_item_failures_is_success(
    streams: Streams, functions: Functions, queues: Queues, response: Any
) -> None:
    reader = Reader(respond=lambda _d: response)
    consumer = _consumer(streams, functions, queues, reader, report_batch_item_failures=True)
    numbers = _put(streams, b"a", b"b")
    _drain(consumer)
    assert reader.batches == [[b"a", b"b"]]
    assert consumer.checkpoint(SHARD0) == numbers[-1]


@pytest.mark.parametrize(
    "response",
    [
        {
            "batchItemFailures": [
                {"itemIdentifier": "49000000000000000000000000000000000000000000000000000099"}
            ]
        },
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"id": "whatever"}]},
        {"batchItemFailures": "all of them"},
    ],
)
def test_a_malformed_batch_item_failure_fails_the_whole_batch(
    streams: Streams, functions: Functions, queues: Queues, response: Any
) -> None:
    reader = Reader(respond=lambda _d: response)
    consumer = _consumer(
        streams,
        functions,
        queues,
        reader,
        report_batch_item_failures=True,
        maximum_retry_attempts=1,
        on_failure="stream-dlq",
    )
    _put(streams, b"a", b"b")
    _drain(consumer)
    assert reader.batches == [[b"a", b"b"], [b"a", b"b"]]
    [record] = _dead_letters(queues)
    assert record["KinesisBatchInfo"]["batchSize"] == 2
    assert "functionError" not in record["responseContext"], "the function itself did not fail"


def test_batch_item_failures_are_ignored_unless_reported(
    streams: Streams, functions: Functions, queues: Queues
) -> None:
    reader = Reader()
    reader.respond = lambda _d: reader.failures(b"a")
    consumer = _consumer(streams, functions, queues, reader)
    _put(streams, b"a", b"b")
    _drain(consumer)
    assert reader.batches == [[b"a", b"b"]]


def test_a_record_that_keeps_failing_is_retried_then_discarded(
    streams: Streams, functions: Functions, queues: Queues
) -> None:
    reader = Reader()
    reader.respond = lambda _d: reader.failures(b"c")
    consumer = _consumer(
        streams,
        functions,
        queues,
        reader,
        report_batch_item_failures=True,
        bisect_batch_on_function_error=True,
        maximum_retry_attempts=2,
        on_failure="stream-dlq",
    )
    numbers = _put(streams, b"a", b"b", b"c", b"d")
    _drain(consumer)
    assert reader.batches == [
        [b"a", b"b", b"c", b"d"],
        [b"c", b"d"],
        [b"c", b"d"],
    ], "retried from the failed record, not split: bisecting is for errors"
    [record] = _dead_letters(queues)
    info = record["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (numbers[2], numbers[3])
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert consumer.checkpoint(SHARD0) == numbers[-1]


# --- configuration --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "settings",
    [
        {"batch_size": 0},
        {"batch_size": 10_001},
        {"maximum_batching_window": 301},
        {"maximum_retry_attempts": -2},
        {"maximum_retry_attempts": 10_001},
        {"maximum_record_age": 59},
        {"maximum_record_age": 604_801},
        {"starting_position": "AT_TIMESTAMP"},
        {"starting_position": "EARLIEST"},
        {"starting_position": "LATEST", "starting_position_timestamp": 1.0},
    ],
)
def test_settings_are_validated_as_lambda_validates_them(settings: dict[str, Any]) -> None:
    settings.setdefault("starting_position", "TRIM_HORIZON")
    with pytest.raises(ValueError, match=r"must|goes with"):
        StreamConsumerSettings(name="c", stream="s", function="f", **settings)


def test_a_mapping_needs_its_stream(streams: Streams, functions: Functions, queues: Queues) -> None:
    with pytest.raises(StreamError) as error:
        StreamConsumer(
            StreamConsumerSettings(
                name="c", stream="missing", function="f", starting_position="LATEST"
            ),
            streams,
            functions,
            queues,
        )
    assert error.value.code == "ResourceNotFoundException"


def test_records_wait_for_a_function_that_is_not_registered_yet(
    streams: Streams, functions: Functions, queues: Queues
) -> None:
    consumer = StreamConsumer(
        StreamConsumerSettings(
            name="c", stream="events", function="later", starting_position="TRIM_HORIZON"
        ),
        streams,
        functions,
        queues,
    )
    _put(streams, b"a")
    assert consumer.poll_once() == 0
    reader = Reader()
    functions.register("later", FunctionSettings(handler="x:y"), reader)
    _drain(consumer)
    assert reader.batches == [[b"a"]]


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
