"""The DynamoDB adapters' table layout and error handling (moto), beyond the port suite."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from payment_service.adapters.dynamodb import (
    DynamoDbBreakerStateStore,
    DynamoDbPaymentRepository,
    create_table,
)
from payment_service.domain.breaker import BreakerState, BreakerStatus
from payment_service.domain.commands import AuthorizePayment, RefundPayment, RefundReason
from payment_service.domain.model import Payment
from payment_service.domain.money import Money

TABLE = "ordermesh-payment"
ORDER = "ord_01JDK2V9N4RY"


@pytest.fixture
def client(aws: str) -> Any:
    dynamodb = boto3.client("dynamodb", region_name=aws)
    create_table(dynamodb, TABLE)
    return dynamodb


def _raw(client: Any, pk: str, sk: str) -> dict[str, Any]:
    item: dict[str, Any] = client.get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}})[
        "Item"
    ]
    return item


def test_the_table_has_string_pk_and_sk_and_on_demand_capacity(client: Any) -> None:
    table = client.describe_table(TableName=TABLE)["Table"]

    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]} == {
        "pk": "S",
        "sk": "S",
    }
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_a_breaker_is_one_item_with_typed_attributes(client: Any) -> None:
    store = DynamoDbBreakerStateStore(client, TABLE)
    since = datetime(2026, 11, 24, 12, 0, 30, tzinfo=UTC)
    store.put("payment-provider", BreakerState(failures=1), expected_version=0)
    store.put(
        "payment-provider", BreakerState(BreakerStatus.OPEN, 3, since=since), expected_version=1
    )

    assert _raw(client, "BREAKER#payment-provider", "STATE") == {
        "pk": {"S": "BREAKER#payment-provider"},
        "sk": {"S": "STATE"},
        "status": {"S": "OPEN"},
        "failures": {"N": "3"},
        "since": {"S": "2026-11-24T12:00:30+00:00"},
        "trials": {"N": "0"},
        "version": {"N": "2"},
    }


def test_a_closed_breaker_without_since_stores_no_since(client: Any) -> None:
    DynamoDbBreakerStateStore(client, TABLE).put("b", BreakerState(), expected_version=0)

    assert "since" not in _raw(client, "BREAKER#b", "STATE")


def test_a_payment_is_one_item_with_amounts_as_text(client: Any) -> None:
    repository = DynamoDbPaymentRepository(client, TABLE)
    amount = Money(Decimal("214.00"), "EUR")
    payment = Payment.authorized(
        AuthorizePayment(ORDER, "cus_7Hq2Lk9P", amount, "res_01JDK2V7B3MX"),
        "fakepay",
        "auth_000001",
    )
    repository.add(payment)
    payment.refunded(
        RefundPayment(ORDER, payment.payment_id, amount, RefundReason.CUSTOMER_REQUEST),
        "re_000001",
    )
    repository.update(payment)

    item = _raw(client, f"PAYMENT#{ORDER}", "PAYMENT")

    assert item["version"] == {"N": "2"}
    assert item["amount"] == {"M": {"amount": {"S": "214.00"}, "currency": {"S": "EUR"}}}
    assert item["status"] == {"S": "REFUNDED"}
    assert item["providerReference"] == {"S": "auth_000001"}
    assert item["refund"]["M"]["providerReference"] == {"S": "re_000001"}
    assert item["refund"]["M"]["reason"] == {"S": "CUSTOMER_REQUEST"}
    assert "decline" not in item


def test_errors_other_than_a_failed_condition_propagate(aws: str) -> None:
    client = boto3.client("dynamodb", region_name=aws)
    store = DynamoDbBreakerStateStore(client, "no-such-table")

    with pytest.raises(ClientError) as raised:
        store.put("b", BreakerState(), expected_version=0)

    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
