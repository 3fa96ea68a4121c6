"""The exact event shapes AWS hands to Lambda: EventBridge events, SQS batches and HTTP API
requests (Kinesis batches are built by the stream consumer).

Each shape is what the service sends, field for field, so handlers (and powertools' parser
models) cannot tell the local runtime from AWS.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ordermesh_platform.runtime.queues import Message
from ordermesh_platform.shared.aws import (
    ACCOUNT,
    REGION,
    clf_time,
    epoch_millis,
    iso_time,
    new_id,
    queue_arn,
)

API_ID = "local"  # the HTTP APIs' id, as their events name it
LOCAL_DOMAIN = "localhost"  # the domain name of a request without a Host header


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


@dataclass(slots=True)  # not frozen: that would triple its cost, built once per request
class ApiRequest:
    """An HTTP request as API Gateway passes it on: ``headers`` with lower-case names, repeated
    headers joined with commas, cookies taken out into ``cookies``; ``body`` is text, base64 when
    ``encoded``."""

    method: str
    path: str
    headers: Mapping[str, str]
    source_ip: str
    query: str = ""  # the raw query string
    query_parameters: Mapping[str, str] | None = None  # repeated parameters joined with commas
    cookies: Sequence[str] = ()
    body: str | None = None
    encoded: bool = False
    protocol: str = "HTTP/1.1"


def domain_name(host: str) -> str:
    """The domain name a Host header names (no port): ``127.0.0.1:8740`` -> ``127.0.0.1``."""
    name, colon, port = host.rpartition(":")
    return (name if colon and port.isdigit() else host).lower()


def http_api_event(
    request: ApiRequest, route_key: str, path_parameters: Mapping[str, str]
) -> dict[str, Any]:
    """The payload format 2.0 event an HTTP API sends the function of the matched route.

    The domain name is the Host header's, its prefix the first label; the user agent is the
    User-Agent header, an empty string without one."""
    now = time.time()
    domain = domain_name(request.headers.get("host", LOCAL_DOMAIN))
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": dict(request.headers),
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "domainName": domain,
            "domainPrefix": domain.partition(".")[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": request.headers.get("user-agent", ""),
            },
            "requestId": new_id(),
            "routeKey": route_key,
            "stage": "$default",
            "time": clf_time(now),
            "timeEpoch": epoch_millis(now),
        },
        "isBase64Encoded": request.encoded,
    }
    if request.cookies:
        event["cookies"] = list(request.cookies)
    if request.query_parameters:
        event["queryStringParameters"] = dict(request.query_parameters)
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if request.body is not None:
        event["body"] = request.body
    return event
