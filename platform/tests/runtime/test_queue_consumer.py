from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser.models import SqsModel
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.lambda_context import LambdaContext
from ordermesh_platform.runtime.queue_consumer import QueueConsumer, QueueConsumerSettings
from ordermesh_platform.runtime.queues import Queues, QueueSettings
from ordermesh_platform.shared.aws import queue_arn
from ordermesh_platform.shared.clock import ManualClock


def _consumer(queues: Queues, functions: Functions, handler: Any, **settings: Any) -> QueueConsumer:
    queues.create(
        "q", QueueSettings(visibility_timeout=30, max_receive_count=2, dead_letter_queue="dlq")
    )
    functions.register("consumer", FunctionSettings(handler="x:y"), handler)
    return QueueConsumer(QueueConsumerSettings("q", "consumer", **settings), queues, functions)


def test_only_the_failed_messages_come_back(
    queues: Queues, functions: Functions, clock: ManualClock
) -> None:
    batches: list[list[str]] = []

    def handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
        parsed = SqsModel.model_validate(event)
        batches.append([r.body for r in parsed.Records])
        failed = [r.messageId for r in parsed.Records if r.body == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}

    consumer = _consumer(queues, functions, handler, batch_size=5)
    for body in ("a", "bad", "c"):
        queues.send("q", body)
    outcome = consumer.poll_once()
    assert (outcome.delivered, outcome.deleted, outcome.failed) == (3, 2, 1)
    assert consumer.poll_once().delivered == 0, "the failure is invisible until the timeout"
    clock.advance(30)
    assert consumer.poll_once().failed == 1
    clock.advance(30)
    assert consumer.poll_once().delivered == 0, "received twice: now in the dead-letter queue"
    assert batches == [["a", "bad", "c"], ["bad"]]
    assert [m.body for m in queues.peek("dlq")] == ["bad"]


def test_an_error_fails_the_whole_batch(
    queues: Queues, functions: Functions, clock: ManualClock
) -> None:
    def handler(_event: Any, _context: LambdaContext) -> None:
        raise RuntimeError

    consumer = _consumer(queues, functions, handler)
    queues.send("q", "a")
    queues.send("q", "b")
    assert consumer.poll_once().failed == 2
    clock.advance(30)
    assert len(queues.receive("q", 10)) == 2


def test_malformed_batch_item_failures_fail_the_whole_batch(
    queues: Queues, functions: Functions, clock: ManualClock
) -> None:
    def handler(_event: Any, _context: LambdaContext) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}

    consumer = _consumer(queues, functions, handler)
    queues.send("q", "a")
    queues.send("q", "b")
    assert consumer.poll_once().deleted == 0
    clock.advance(30)
    assert len(queues.receive("q", 10)) == 2


def test_without_reporting_failures_any_response_is_success(
    queues: Queues, functions: Functions
) -> None:
    def handler(_event: Any, _context: LambdaContext) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": "ignored"}]}

    consumer = _consumer(queues, functions, handler, report_batch_item_failures=False)
    queues.send("q", "a")
    assert consumer.poll_once().deleted == 1


def test_batch_size_above_ten_gathers_several_receives(
    queues: Queues, functions: Functions
) -> None:
    sizes: list[int] = []

    def handler(event: dict[str, Any], _context: LambdaContext) -> None:
        sizes.append(len(event["Records"]))

    consumer = _consumer(queues, functions, handler, batch_size=25, batching_window=1)
    for i in range(30):
        queues.send("q", str(i))
    consumer.poll_once()
    consumer.poll_once()
    assert sizes == [25, 5]


def test_a_redriven_message_with_attributes_parses_as_powertools_sqs_model(
    queues: Queues, functions: Functions, clock: ManualClock
) -> None:
    received: list[SqsModel] = []

    def handler(event: dict[str, Any], _context: LambdaContext) -> None:
        received.append(SqsModel.model_validate(event))

    _consumer(queues, functions, handler)  # creates q, whose dead-letter queue is dlq
    queues.create("dlq")
    attributes = {
        "RequestID": {"DataType": "String", "StringValue": "req-1"},
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "Digest": {"DataType": "Binary", "BinaryValue": "3q2+7w=="},
    }
    queues.send("q", "lost", message_attributes=attributes)
    for _ in range(3):  # received twice without being deleted: moved to the dead-letter queue
        queues.receive("q")
        clock.advance(30)
    functions.register("dlq-consumer", FunctionSettings(handler="x:y"), handler)
    QueueConsumer(QueueConsumerSettings("dlq", "dlq-consumer"), queues, functions).poll_once()

    [record] = received[0].Records
    assert record.body == "lost"
    assert record.eventSourceARN == queue_arn("dlq")
    assert record.attributes.DeadLetterQueueSourceArn == queue_arn("q")
    assert {
        n: (a.dataType, a.stringValue, a.binaryValue) for n, a in record.messageAttributes.items()
    } == {
        "RequestID": ("String", "req-1", None),
        "ErrorCode": ("Number", "200", None),
        "Digest": ("Binary", None, "3q2+7w=="),
    }
    assert record.md5OfMessageAttributes is not None
