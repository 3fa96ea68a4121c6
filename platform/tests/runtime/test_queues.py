from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import SqsModel
from moto import mock_aws
from ordermesh_platform.runtime.queues import QueueError, Queues, QueueSettings
from ordermesh_platform.runtime.shapes import sqs_event
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store


def test_received_message_is_hidden_until_its_visibility_timeout_ends(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create("q", QueueSettings(visibility_timeout=30))
    message_id = queues.send("q", "hello")
    [first] = queues.receive("q", 10)
    assert (first.message_id, first.body, first.receive_count) == (message_id, "hello", 1)
    assert queues.receive("q", 10) == []
    clock.advance(29)
    assert queues.receive("q", 10) == []
    clock.advance(1)
    [again] = queues.receive("q", 10)
    assert again.message_id == message_id
    assert again.receive_count == 2
    assert again.receipt_handle != first.receipt_handle
    assert not queues.delete("q", first.receipt_handle), "a stale receipt handle deletes nothing"
    assert queues.delete("q", again.receipt_handle)
    clock.advance(60)
    assert queues.receive("q", 10) == []


def test_delay_seconds_hold_a_message_back(queues: Queues, clock: ManualClock) -> None:
    queues.create("q", QueueSettings(delay_seconds=5))
    queues.send("q", "later")
    queues.send("q", "now", delay_seconds=0)
    assert [m.body for m in queues.receive("q", 10)] == ["now"]
    assert queues.depth("q").delayed == 1
    clock.advance(5)
    assert [m.body for m in queues.receive("q", 10)] == ["later"]


def test_max_receive_count_moves_a_message_to_the_dead_letter_queue(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create(
        "q", QueueSettings(visibility_timeout=10, max_receive_count=2, dead_letter_queue="q-dlq")
    )
    queues.send(
        "q", "poison", message_attributes={"kind": {"DataType": "String", "StringValue": "x"}}
    )
    for _ in range(2):
        assert len(queues.receive("q", 1)) == 1
        clock.advance(10)
    assert queues.receive("q", 1) == [], "the third receive moves it instead of returning it"
    [dead] = queues.peek("q-dlq")
    assert dead.body == "poison"
    assert dead.source_queue == "q"
    assert dead.attributes()["DeadLetterQueueSourceArn"].endswith(":q")
    assert dead.message_attributes["kind"]["StringValue"] == "x"
    assert queues.redrive("q-dlq") == 1
    [back] = queues.receive("q", 1)
    assert (back.body, back.receive_count) == ("poison", 1)
    assert queues.peek("q-dlq") == []


def test_change_visibility_and_its_errors(queues: Queues, clock: ManualClock) -> None:
    queues.create("q", QueueSettings(visibility_timeout=30))
    queues.send("q", "m")
    [message] = queues.receive("q")
    queues.change_visibility("q", message.receipt_handle, 0)
    assert len(queues.receive("q")) == 1
    with pytest.raises(QueueError) as error:
        queues.change_visibility("q", message.receipt_handle, 5)
    assert error.value.code == "ReceiptHandleIsInvalid"
    with pytest.raises(QueueError, match="VisibilityTimeout"):
        queues.change_visibility("q", "x", 50_000)
    clock.advance(1)


def test_bad_requests_are_rejected_with_sqs_codes(queues: Queues) -> None:
    queues.create("q")
    with pytest.raises(QueueError) as error:
        queues.send("missing", "m")
    assert error.value.code == "AWS.SimpleQueueService.NonExistentQueue"
    with pytest.raises(QueueError, match="longer than 262144 bytes"):
        queues.send("q", "x" * 262_145)
    with pytest.raises(QueueError, match="MaxNumberOfMessages"):
        queues.receive("q", 11)
    with pytest.raises(QueueError, match="redrive policy"):
        QueueSettings(max_receive_count=3)


def test_messages_survive_reopening_the_store(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "runtime.sqlite3"
    first = Store(path)
    Queues(first, clock).create("q", QueueSettings(visibility_timeout=30))
    Queues(first, clock).send("q", "kept")
    in_flight = Queues(first, clock).receive("q")
    assert len(in_flight) == 1
    first.close()

    reopened = Queues(Store(path), clock)
    assert reopened.receive("q") == [], "still in flight after the restart"
    clock.advance(30)
    [message] = reopened.receive("q")
    assert (message.body, message.receive_count) == ("kept", 2)


def test_retention_drops_old_messages(queues: Queues, clock: ManualClock) -> None:
    queues.create("q", QueueSettings(retention_seconds=60))
    queues.send("q", "old")
    clock.advance(61)
    queues.send("q", "new")
    assert queues.expire() == 1
    assert [m.body for m in queues.peek("q")] == ["new"]


def test_sqs_batch_event_parses_with_powertools(queues: Queues) -> None:
    queues.create("orders")
    queues.send(
        "orders",
        '{"hello": "world"}',
        message_attributes={
            "trace": {"DataType": "String", "StringValue": "abc"},
            "count": {"DataType": "Number", "StringValue": "3"},
            "blob": {"DataType": "Binary", "BinaryValue": "AAEC"},
        },
    )
    queues.send("orders", "plain text")
    event = sqs_event(queues.receive("orders", 10))
    parsed = SqsModel.model_validate(event)
    assert [r.body for r in parsed.Records] == ['{"hello": "world"}', "plain text"]
    first = parsed.Records[0]
    assert first.messageAttributes["trace"].stringValue == "abc"
    assert first.eventSourceARN == "arn:aws:sqs:us-east-1:000000000000:orders"
    assert first.attributes.ApproximateReceiveCount == "1"
    assert event["Records"][0]["md5OfBody"] == "49dfdd54b01cbcd2d2ab5e9e5ee6b9b9"
    assert first.md5OfMessageAttributes == _moto_md5_of_attributes(
        {
            "trace": {"DataType": "String", "StringValue": "abc"},
            "count": {"DataType": "Number", "StringValue": "3"},
            "blob": {"DataType": "Binary", "BinaryValue": base64.b64decode("AAEC")},
        }
    )
    assert parsed.Records[1].md5OfMessageAttributes is None


def _moto_md5_of_attributes(attributes: dict[str, dict[str, Any]]) -> str:
    """SQS's MD5OfMessageAttributes for ``attributes``, as moto computes it."""
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        url = client.create_queue(QueueName="md5")["QueueUrl"]
        sent = client.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
        return str(sent["MD5OfMessageAttributes"])
