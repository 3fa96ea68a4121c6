"""The exact event shapes AWS hands to Lambda: EventBridge events and SQS batches.

Each shape is what the service sends, field for field, so handlers (and powertools' parser
models) cannot tell the local runtime from AWS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ordermesh_platform.runtime.aws import ACCOUNT, REGION, iso_time, queue_arn
from ordermesh_platform.runtime.queues import Message


def eventbridge_event(
    *,
    event_id: str,
    source: str,
    detail_type: str,
    detail: Any,
    time: float,
    resources: Sequence[str] = (),
) -> dict[str, Any]:
    """An event as EventBridge delivers it to targets (and as rules match it)."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": iso_time(time),
        "region": REGION,
        "resources": list(resources),
        "detail": detail,
    }


def sqs_message_attribute(attribute: Mapping[str, Any]) -> dict[str, Any]:
    """An SQS message attribute as the Lambda event spells it (camelCase, list fields)."""
    shaped: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": attribute["DataType"],
    }
    if "StringValue" in attribute:
        shaped["stringValue"] = attribute["StringValue"]
    if "BinaryValue" in attribute:
        shaped["binaryValue"] = attribute["BinaryValue"]
    return shaped


def sqs_record(message: Message) -> dict[str, Any]:
    record: dict[str, Any] = {
        "messageId": message.message_id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": message.attributes(),
        "messageAttributes": {
            name: sqs_message_attribute(value) for name, value in message.message_attributes.items()
        },
        "md5OfBody": message.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn(message.queue),
        "awsRegion": REGION,
    }
    md5_attributes = message.md5_of_message_attributes
    if md5_attributes is not None:
        record["md5OfMessageAttributes"] = md5_attributes
    return record


def sqs_event(messages: Sequence[Message]) -> dict[str, Any]:
    """The event an SQS event source mapping passes to its function."""
    return {"Records": [sqs_record(m) for m in messages]}
