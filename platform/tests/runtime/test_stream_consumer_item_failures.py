"""The stream consumer's batchItemFailures: a checkpoint before the lowest failure, empty
and malformed responses, failures ignored unless reported, and a record that keeps
failing retried from itself, then discarded."""

from __future__ import annotations

from typing import Any

import pytest
from ordermesh_platform.runtime.functions import Functions
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.streams import Streams
from tests.runtime.stream_reader import SHARD0, Reader, _consumer, _dead_letters, _drain, _put


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
