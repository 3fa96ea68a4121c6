"""The DynamoDB table as created and written (through moto): its keys, indexes, billing and time
to live, and an order's item, which keeps its money as decimal text."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
from order_service.adapters.dynamodb import DynamoDbDatabase, DynamoDbUnitOfWork
from order_service.domain.order import LineRequest, Order

from .support import ADDRESS, TABLE, _add, _item


def test_create_table_declares_the_keys_and_indexes(table: DynamoDbDatabase) -> None:
    description = table.client.describe_table(TableName=TABLE)["Table"]
    assert description["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert {a["AttributeType"] for a in description["AttributeDefinitions"]} == {"S"}
    indexes = {i["IndexName"]: i for i in description["GlobalSecondaryIndexes"]}
    assert [k["AttributeName"] for k in indexes["by_customer"]["KeySchema"]] == [
        "customer_pk",
        "customer_sk",
    ]
    assert indexes["by_customer"]["Projection"]["NonKeyAttributes"] == ["body"]
    assert [k["AttributeName"] for k in indexes["unpublished"]["KeySchema"]] == [
        "unpublished",
        "queued_at",
    ]
    assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = table.client.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_an_order_item_keeps_money_as_decimal_text(table: DynamoDbDatabase) -> None:
    order = Order.place(
        order_id="ord_00000001",
        customer_id="cus_8H2KQ1",
        currency="EUR",
        lines=[LineRequest("MUG-BLUE-350", 3, "0.10", "EUR")],
        shipping_address=ADDRESS,
        placed_at=datetime(2026, 11, 22, 11, 0, tzinfo=timezone(timedelta(hours=1))),
        known_sku=lambda _sku: True,
    )
    _add(partial(DynamoDbUnitOfWork, table), order)
    item = _item(table, "ORDER#ord_00000001", "ORDER")
    assert {name: next(iter(value)) for name, value in item.items()} == {
        "pk": "S",
        "sk": "S",
        "version": "N",
        "body": "S",
        "customer_pk": "S",
        "customer_sk": "S",
    }
    assert item["version"] == {"N": "0"}
    assert item["customer_pk"] == {"S": "CUSTOMER#cus_8H2KQ1"}
    assert item["customer_sk"] == {"S": "2026-11-22T10:00:00.000000Z#ord_00000001"}
    body = json.loads(item["body"]["S"], parse_float=lambda text: pytest.fail(f"float {text}"))
    assert body["lines"][0]["unitPrice"] == "0.10"
    with DynamoDbUnitOfWork(table) as uow:
        stored = uow.orders.get("ord_00000001")
    assert stored is not None
    assert stored.total.text() == "0.30"
