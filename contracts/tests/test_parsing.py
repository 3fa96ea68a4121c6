"""Consumers get the model of the version they were sent, directly or through powertools."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser import envelopes
from aws_lambda_powertools.utilities.parser import parse as powertools_parse
from ordermesh_contracts.catalog import Catalog
from ordermesh_contracts.errors import ContractViolation
from ordermesh_contracts.models.order import order_placed_v1, order_placed_v2
from ordermesh_contracts.models.payment import payment_declined_v1
from ordermesh_contracts.parsing import (
    ContractEventBridgeEnvelope,
    ContractSqsEnvelope,
    parse,
    parse_detail,
)

from .conftest import example

OrderPlacedAnyVersion = order_placed_v1.OrderPlacedDetail | order_placed_v2.OrderPlacedDetail


def _sqs_batch(*events: dict[str, Any]) -> dict[str, Any]:
    """An SQS event as Lambda receives it from a queue that is an EventBridge rule target."""
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "AQEB" + "x" * 40,
                "body": json.dumps(event),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1763633643000",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1763633643010",
                },
                "messageAttributes": {},
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:order-events",
                "awsRegion": "eu-west-1",
            }
            for event in events
        ]
    }


def test_parse_accepts_dicts_and_json_text(catalog: Catalog) -> None:
    event = example(catalog, "PaymentDeclined@1")
    assert parse(event) == parse(json.dumps(event))
    assert isinstance(parse_detail(event), payment_declined_v1.PaymentDeclinedDetail)


def test_powertools_eventbridge_envelope_works_with_a_generated_detail_model(
    catalog: Catalog,
) -> None:
    event = example(catalog, "OrderPlaced@2")
    detail = powertools_parse(
        event=event, model=order_placed_v2.OrderPlacedDetail, envelope=envelopes.EventBridgeEnvelope
    )
    assert detail.data.order_id == event["detail"]["data"]["orderId"]


def test_powertools_sqs_envelope_works_with_a_generated_event_model(catalog: Catalog) -> None:
    batch = _sqs_batch(
        example(catalog, "OrderPlaced@2"), example(catalog, "OrderPlaced@2", "two-lines")
    )
    events = powertools_parse(
        event=batch, model=order_placed_v2.OrderPlacedEvent, envelope=envelopes.SqsEnvelope
    )
    assert [e.detail.data.order_id for e in events] == ["ord_01JD9A7XG3NB", "ord_01JD7Q4K2M9T"]


def test_contract_envelope_dispatches_on_the_version_in_the_metadata(catalog: Catalog) -> None:
    for ref, model in (("OrderPlaced@1", order_placed_v1), ("OrderPlaced@2", order_placed_v2)):
        detail = powertools_parse(
            event=example(catalog, ref),
            model=OrderPlacedAnyVersion,
            envelope=ContractEventBridgeEnvelope,
        )
        assert type(detail) is model.OrderPlacedDetail


def test_contract_sqs_envelope_parses_mixed_versions_in_one_batch(catalog: Catalog) -> None:
    batch = _sqs_batch(example(catalog, "OrderPlaced@1"), example(catalog, "OrderPlaced@2"))
    details = powertools_parse(
        event=batch, model=OrderPlacedAnyVersion, envelope=ContractSqsEnvelope
    )
    assert [type(d) for d in details] == [
        order_placed_v1.OrderPlacedDetail,
        order_placed_v2.OrderPlacedDetail,
    ]


def test_an_event_the_handler_does_not_accept_is_refused(catalog: Catalog) -> None:
    with pytest.raises(ContractViolation, match="does not accept"):
        powertools_parse(
            event=example(catalog, "PaymentDeclined@1"),
            model=OrderPlacedAnyVersion,
            envelope=ContractEventBridgeEnvelope,
        )


def test_an_invalid_event_in_a_batch_names_its_pointer(catalog: Catalog) -> None:
    bad = example(catalog, "OrderPlaced@2")
    bad["detail"]["data"]["total"]["currency"] = "euro"
    with pytest.raises(ContractViolation) as caught:
        powertools_parse(
            event=_sqs_batch(bad), model=OrderPlacedAnyVersion, envelope=ContractSqsEnvelope
        )
    assert caught.value.pointer == "/detail/data/total/currency"
