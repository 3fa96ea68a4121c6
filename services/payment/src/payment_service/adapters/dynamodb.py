"""The AWS adapters: payments and circuit breakers as items of the service's one DynamoDB table.

The table has a string partition key ``pk`` and a string sort key ``sk``. Items::

    payment:  pk = "PAYMENT#<orderId>"   sk = "PAYMENT"
              version (N), orderId, paymentId, customerId, amount {amount, currency},
              provider, status, providerReference?, decline {code, message}?,
              refund {refundId, amount, currency, reason, providerReference?}?
    breaker:  pk = "BREAKER#<name>"      sk = "STATE"
              status (S), failures (N), since (S, ISO 8601, absent when unset), trials (N),
              version (N)

Amounts are strings (``"214.00"``), as the contracts write them. Reads are strongly consistent
GetItems. Writes are PutItems with a condition; ``ConditionalCheckFailedException`` means
another writer got there first:

- breaker ``put(name, state, expected_version=v)``: ``attribute_not_exists(pk)`` when ``v = 0``,
  ``version = :v`` otherwise; it writes ``version = v + 1`` or returns ``None``.
- payment ``add``: ``attribute_not_exists(pk)``, writes version 1; ``update``:
  ``version = :v`` (the version read), writes ``v + 1``; a failed condition raises
  ``PaymentConflictError``.

The boto3 client is passed in; any other error from it propagates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError

from payment_service.adapters.codec import Document, payment_from_document, payment_to_document
from payment_service.adapters.ports import BreakerStateStore, PaymentRepository, Versioned
from payment_service.domain.breaker import CLOSED, BreakerState, BreakerStatus
from payment_service.domain.errors import PaymentConflictError
from payment_service.domain.model import Payment

Item = dict[str, Any]  # attribute name -> DynamoDB attribute value, e.g. {"S": "OPEN"}

_CONDITION_FAILED = "ConditionalCheckFailedException"
_NOT_STORED = "attribute_not_exists(pk)"
_SAME_VERSION = "version = :v"


class DynamoDbClient(Protocol):
    """The part of a boto3 DynamoDB client the adapters use."""

    def get_item(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def put_item(self, **kwargs: Any) -> Mapping[str, Any]: ...


class DynamoDbAdmin(Protocol):
    """The part of a boto3 DynamoDB client ``create_table`` uses."""

    def create_table(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def get_waiter(self, waiter_name: Any) -> Any: ...


# The table's layout as CreateTable takes it (less the name): ``create_table`` and the service's
# CDK stack both build the table from it.
TABLE: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ],
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


def create_table(client: DynamoDbAdmin, name: str) -> None:
    """Create the service's table (``TABLE``, on-demand capacity) and wait until it is active."""
    client.create_table(TableName=name, **TABLE)
    client.get_waiter("table_exists").wait(TableName=name)


class _Table:
    """Consistent reads and conditional puts on one table."""

    def __init__(self, client: DynamoDbClient, table_name: str) -> None:
        self._client = client
        self._name = table_name

    def get(self, pk: str, sk: str) -> Item | None:
        answer = self._client.get_item(
            TableName=self._name,
            Key={"pk": {"S": pk}, "sk": {"S": sk}},
            ConsistentRead=True,
        )
        item: Item | None = answer.get("Item")
        return item

    def put_if(self, item: Item, condition: str, version: int | None = None) -> bool:
        """Put ``item`` if ``condition`` holds (``:v`` is ``version``); False if it did not."""
        request: dict[str, Any] = {
            "TableName": self._name,
            "Item": item,
            "ConditionExpression": condition,
        }
        if version is not None:
            request["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
        try:
            self._client.put_item(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == _CONDITION_FAILED:
                return False
            raise
        return True


class DynamoDbPaymentRepository(PaymentRepository):
    def __init__(self, client: DynamoDbClient, table_name: str) -> None:
        self._table = _Table(client, table_name)

    def get(self, order_id: str) -> Payment | None:
        item = self._table.get(_payment_pk(order_id), "PAYMENT")
        if item is None:
            return None
        return payment_from_document(_document(item), version=int(item["version"]["N"]))

    def add(self, payment: Payment) -> None:
        if not self._table.put_if(_payment_item(payment, version=1), _NOT_STORED):
            raise PaymentConflictError(f"order {payment.order_id} already has a payment")
        payment.version = 1

    def update(self, payment: Payment) -> None:
        item = _payment_item(payment, version=payment.version + 1)
        if not self._table.put_if(item, _SAME_VERSION, payment.version):
            raise PaymentConflictError(f"payment of order {payment.order_id} changed since read")
        payment.version += 1


class DynamoDbBreakerStateStore(BreakerStateStore):
    def __init__(self, client: DynamoDbClient, table_name: str) -> None:
        self._table = _Table(client, table_name)

    def get(self, name: str) -> Versioned:
        item = self._table.get(_breaker_pk(name), "STATE")
        if item is None:
            return Versioned(CLOSED, 0)
        since = item.get("since")
        state = BreakerState(
            status=BreakerStatus(item["status"]["S"]),
            failures=int(item["failures"]["N"]),
            since=datetime.fromisoformat(since["S"]) if since is not None else None,
            trials=int(item["trials"]["N"]),
        )
        return Versioned(state, int(item["version"]["N"]))

    def put(self, name: str, state: BreakerState, expected_version: int) -> int | None:
        version = expected_version + 1
        item: Item = {
            "pk": {"S": _breaker_pk(name)},
            "sk": {"S": "STATE"},
            "status": {"S": state.status.value},
            "failures": {"N": str(state.failures)},
            "trials": {"N": str(state.trials)},
            "version": {"N": str(version)},
        }
        if state.since is not None:
            item["since"] = {"S": state.since.isoformat()}
        if expected_version == 0:
            stored = self._table.put_if(item, _NOT_STORED)
        else:
            stored = self._table.put_if(item, _SAME_VERSION, expected_version)
        return version if stored else None


def _payment_pk(order_id: str) -> str:
    return f"PAYMENT#{order_id}"


def _breaker_pk(name: str) -> str:
    return f"BREAKER#{name}"


def _payment_item(payment: Payment, version: int) -> Item:
    item: Item = {
        name: _to_attribute(value) for name, value in payment_to_document(payment).items()
    }
    item["pk"] = {"S": _payment_pk(payment.order_id)}
    item["sk"] = {"S": "PAYMENT"}
    item["version"] = {"N": str(version)}
    return item


def _to_attribute(value: str | dict[str, str]) -> dict[str, Any]:
    if isinstance(value, str):
        return {"S": value}
    return {"M": {name: {"S": text} for name, text in value.items()}}


def _document(item: Item) -> Document:
    """The payment's document: the item's text and map attributes but its keys."""
    document: Document = {}
    for name, value in item.items():
        if name in {"pk", "sk"}:
            continue
        if "S" in value:
            document[name] = value["S"]
        elif "M" in value:
            document[name] = {key: part["S"] for key, part in value["M"].items() if "S" in part}
    return document
