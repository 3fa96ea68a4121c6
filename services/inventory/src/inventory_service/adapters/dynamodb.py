# ruff: noqa: N803 - the client protocols name parameters as the DynamoDB API does
"""The AWS adapter: stock and reservation outcomes in one DynamoDB table.

Table (``create_table``; an infrastructure stack must declare the same): string keys ``pk``
(partition) and ``sk`` (sort), on-demand billing, and one global secondary index
``by-expiry`` with string keys ``expiry_shard`` (partition) and ``expires_at`` (sort),
projecting all attributes.

Items:

- stock, ``pk = "SKU#<sku>"``, ``sk = "STOCK"``: ``sku``, ``on_hand``, ``reserved``,
  ``threshold``, ``warehouse``, ``version``.
- outcome, ``pk = "ORDER#<orderId>"``, ``sk = "OUTCOME"``: ``kind`` (``RESERVATION``,
  ``REJECTION`` or ``WITHDRAWAL``), ``order_id``, ``version``; a reservation has
  ``reservation_id``, ``lines`` (a list of ``{sku, quantity}`` maps), ``expires_at``
  (``codec.utc_text``: text order is time order), ``status`` and, once ended, ``end_reason``; a
  rejection has ``rejected_lines`` (maps of ``sku``, ``requested``, ``available``, ``reason``);
  a withdrawal has ``reservation_id`` and ``lines``. An ACTIVE reservation also has
  ``expiry_shard = "EXPIRY#<n>"``, n = CRC-32 of the order id mod ``EXPIRY_SHARDS``.

Finding due reservations without a scan: ``by-expiry`` is a sparse index. Only active
reservations carry ``expiry_shard``, and the write that ends one leaves it out, which takes the
reservation out of the index. A sweep queries every shard for ``expires_at <= now`` in
ascending order and merges the results. Spreading active reservations over several partition
key values keeps the index's write rate per partition low; the shard count may grow, never
shrink, while active reservations carry the old values. The index is eventually consistent: it
may still list a reservation that has just ended, or not yet list one just made. The expiry use
case re-reads each listed reservation (a consistent read) and only expires one that is still
active and due, and the next sweep finds what this one missed.

Reads are ``GetItem`` with ``ConsistentRead``. A commit is one ``TransactWriteItems``: a ``Put``
of each written item (stored at ``version + 1``) with the condition ``version = <read>``, or
``attribute_not_exists(pk)`` for version 0, and a ``ConditionCheck`` of the same form for each
SKU only read. A cancellation whose reasons include ``ConditionalCheckFailed`` (a version moved)
or ``TransactionConflict`` (another transaction was writing the same item) raises
``ConcurrencyConflictError`` naming those keys; DynamoDB applied nothing. Other errors
propagate unchanged.

A transaction takes at most 100 items (``MAX_TRANSACTION_ITEMS``). A larger commit raises
``TransactionTooLargeError`` before anything is sent. It is not split: the outcome must be
written with the stock it accounts for, or a crash or conflict between two parts would leave
stock reserved with no recorded outcome (a redelivered ReserveInventory would reserve it again)
or an outcome that no stock backs. ReserveInventory allows 100 lines, so an order with 100
distinct SKUs (100 stock items or 100 checks, plus its outcome: 101 items) is refused with this
error and the message fails; up to 99 distinct SKUs per order fit. Retrying cannot help, so the
error is not a ``ConcurrencyConflictError``.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, Protocol, TypeAlias

from botocore.exceptions import ClientError

from inventory_service.adapters.codec import (
    CorruptRecordError,
    Json,
    Record,
    outcome_from_record,
    outcome_to_record,
    stock_from_record,
    stock_to_record,
    utc_text,
)
from inventory_service.adapters.ports import Changes, ConcurrencyConflictError, UnitOfWork
from inventory_service.domain.reservation import Outcome, Reservation
from inventory_service.domain.stock import StockItem

PK = "pk"
SK = "sk"
EXPIRY_INDEX = "by-expiry"
EXPIRY_SHARD = "expiry_shard"
EXPIRES_AT = "expires_at"
VERSION = "version"
STOCK_SK = "STOCK"
OUTCOME_SK = "OUTCOME"
EXPIRY_SHARDS = 8
MAX_TRANSACTION_ITEMS = 100
CONFLICT_REASONS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})

AttributeValue: TypeAlias = dict[str, Any]
Item: TypeAlias = dict[str, AttributeValue]


class DynamoDbClient(Protocol):
    """The part of a boto3 DynamoDB client the unit of work calls."""

    def get_item(
        self, *, TableName: str, Key: Mapping[str, Any], ConsistentRead: bool = ...
    ) -> Mapping[str, Any]: ...

    def query(  # noqa: PLR0913 - the API's parameters
        self,
        *,
        TableName: str,
        IndexName: str = ...,
        KeyConditionExpression: str = ...,
        ExpressionAttributeNames: Mapping[str, str] = ...,
        ExpressionAttributeValues: Mapping[str, Any] = ...,
        Limit: int = ...,
        ExclusiveStartKey: Mapping[str, Any] = ...,
    ) -> Mapping[str, Any]: ...

    def transact_write_items(self, *, TransactItems: Sequence[Any]) -> Mapping[str, Any]: ...


class TableExistsWaiter(Protocol):
    def wait(self, *, TableName: str) -> None: ...


class DynamoDbAdmin(Protocol):
    """The part of a boto3 DynamoDB client ``create_table`` calls."""

    def create_table(
        self,
        *,
        TableName: str,
        AttributeDefinitions: Sequence[Any],
        KeySchema: Sequence[Any],
        BillingMode: Literal["PAY_PER_REQUEST"] = ...,
        GlobalSecondaryIndexes: Sequence[Any] = ...,
    ) -> Mapping[str, Any]: ...

    def get_waiter(self, waiter_name: Literal["table_exists"]) -> TableExistsWaiter: ...


class TransactionTooLargeError(Exception):
    """A commit needs more items than one DynamoDB transaction takes; nothing was written."""


# The table's layout as CreateTable takes it (less the name): ``create_table`` and the service's
# CDK stack both build the table from it.
TABLE: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": attribute, "AttributeType": "S"}
        for attribute in (PK, SK, EXPIRY_SHARD, EXPIRES_AT)
    ],
    "KeySchema": [
        {"AttributeName": PK, "KeyType": "HASH"},
        {"AttributeName": SK, "KeyType": "RANGE"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": EXPIRY_INDEX,
            "KeySchema": [
                {"AttributeName": EXPIRY_SHARD, "KeyType": "HASH"},
                {"AttributeName": EXPIRES_AT, "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


def create_table(client: DynamoDbAdmin, name: str) -> None:
    """Create the inventory table (``TABLE``; layout in the module docstring) and wait until it
    is active."""
    client.create_table(TableName=name, **TABLE)
    client.get_waiter("table_exists").wait(TableName=name)


def stock_key(sku: str) -> Item:
    return {PK: {"S": f"SKU#{sku}"}, SK: {"S": STOCK_SK}}


def outcome_key(order_id: str) -> Item:
    return {PK: {"S": f"ORDER#{order_id}"}, SK: {"S": OUTCOME_SK}}


def expiry_shard(order_id: str) -> str:
    """The ``by-expiry`` partition of an order's active reservation (stable across processes)."""
    return f"EXPIRY#{zlib.crc32(order_id.encode()) % EXPIRY_SHARDS}"


class DynamoDbInventoryStore:
    """One table through one client (boto3 clients are thread-safe: share the store)."""

    def __init__(self, client: DynamoDbClient, table_name: str) -> None:
        self.client = client
        self.table_name = table_name

    def unit_of_work(self) -> DynamoDbUnitOfWork:
        return DynamoDbUnitOfWork(self)


class DynamoDbUnitOfWork(UnitOfWork):
    def __init__(self, store: DynamoDbInventoryStore) -> None:
        super().__init__()
        self.store = store

    def due_reservations(self, now: datetime, limit: int) -> list[Reservation]:
        if limit < 1:
            return []
        cutoff = utc_text(now)
        due = [r for n in range(EXPIRY_SHARDS) for r in self._due_in(f"EXPIRY#{n}", cutoff, limit)]
        return sorted(due, key=lambda r: (r.expires_at, r.order_id))[:limit]

    def _due_in(self, shard: str, cutoff: str, limit: int) -> list[Reservation]:
        request: dict[str, Any] = {
            "TableName": self.store.table_name,
            "IndexName": EXPIRY_INDEX,
            "KeyConditionExpression": "#shard = :shard AND #at <= :cutoff",
            "ExpressionAttributeNames": {"#shard": EXPIRY_SHARD, "#at": EXPIRES_AT},
            "ExpressionAttributeValues": {":shard": {"S": shard}, ":cutoff": {"S": cutoff}},
            "Limit": limit,
        }
        due: list[Reservation] = []
        while len(due) < limit:
            page = self.store.client.query(**request)
            outcomes = (_outcome(item) for item in page.get("Items", []))
            due += [o for o in outcomes if isinstance(o, Reservation)]
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return due[:limit]

    def _load_stock(self, sku: str) -> StockItem | None:
        item = self._get(stock_key(sku))
        if item is None:
            return None
        record = _record(item)
        return stock_from_record(record, _version(record))

    def _load_outcome(self, order_id: str) -> Outcome | None:
        item = self._get(outcome_key(order_id))
        return _outcome(item) if item is not None else None

    def _get(self, key: Item) -> Mapping[str, Any] | None:
        response = self.store.client.get_item(
            TableName=self.store.table_name, Key=key, ConsistentRead=True
        )
        item: Mapping[str, Any] | None = response.get("Item")
        return item

    def _apply(self, changes: Changes) -> None:
        operations = self._operations(changes)
        if len(operations) > MAX_TRANSACTION_ITEMS:
            raise TransactionTooLargeError(
                f"a commit of {len(operations)} items ({len(changes.stock)} stock, "
                f"{len(changes.outcomes)} outcomes, the rest checks of items only read) is more "
                f"than the {MAX_TRANSACTION_ITEMS} one DynamoDB transaction takes; "
                "nothing was written"
            )
        try:
            self.store.client.transact_write_items(TransactItems=[op for _, op in operations])
        except ClientError as error:
            stale = _conflicting(error, [name for name, _ in operations])
            if not stale:
                raise
            raise ConcurrencyConflictError(f"changed since read: {', '.join(stale)}") from error

    def _operations(self, changes: Changes) -> list[tuple[str, dict[str, Any]]]:
        """The transaction's items, each with the key it names in a conflict."""
        table = self.store.table_name
        operations = [
            (item.sku, _put(table, _stock_item(item), item.version)) for item in changes.stock
        ]
        operations += [
            (outcome.order_id, _put(table, _outcome_item(outcome), outcome.version))
            for outcome in changes.outcomes
        ]
        written = {item.sku for item in changes.stock}
        operations += [
            (sku, {"ConditionCheck": {"TableName": table, "Key": stock_key(sku), **_expect(v)}})
            for sku, v in changes.read_versions.items()
            if sku not in written
        ]
        return operations


def _put(table: str, item: Item, read_version: int) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": item, **_expect(read_version)}}


def _expect(read_version: int) -> dict[str, Any]:
    """The condition that storage still holds ``read_version`` of the item (0: absent)."""
    if read_version == 0:
        return {"ConditionExpression": f"attribute_not_exists({PK})"}
    return {
        "ConditionExpression": "#v = :read",
        "ExpressionAttributeNames": {"#v": VERSION},
        "ExpressionAttributeValues": {":read": {"N": str(read_version)}},
    }


def _conflicting(error: ClientError, names: list[str]) -> list[str]:
    """The names whose item made DynamoDB cancel the transaction as a conflict, if it did."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return []
    reasons = error.response.get("CancellationReasons", [])
    return [
        name
        for name, reason in zip(names, reasons, strict=False)
        if reason.get("Code") in CONFLICT_REASONS
    ]


def _stock_item(item: StockItem) -> Item:
    return {
        **stock_key(item.sku),
        **_attributes(stock_to_record(item)),
        VERSION: {"N": str(item.version + 1)},
    }


def _outcome_item(outcome: Outcome) -> Item:
    item = {
        **outcome_key(outcome.order_id),
        **_attributes(outcome_to_record(outcome)),
        VERSION: {"N": str(outcome.version + 1)},
    }
    if isinstance(outcome, Reservation) and outcome.is_active:
        item[EXPIRY_SHARD] = {"S": expiry_shard(outcome.order_id)}
    return item


def _outcome(item: Mapping[str, Any]) -> Outcome:
    record = _record(item)
    return outcome_from_record(record, _version(record))


def _attributes(record: Record) -> Item:
    return {name: to_attribute(value) for name, value in record.items()}


def _record(item: Mapping[str, Any]) -> Record:
    return {name: from_attribute(value) for name, value in item.items()}


def _version(record: Record) -> int:
    version = record.get(VERSION)
    if not isinstance(version, int):
        raise CorruptRecordError(f"{VERSION}: expected an integer, got {version!r}")
    return version


def to_attribute(value: Json) -> AttributeValue:
    """A record value as a DynamoDB attribute value (``{"S": ...}``, ``{"N": ...}``, ...)."""
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, list):
        return {"L": [to_attribute(v) for v in value]}
    return {"M": {k: to_attribute(v) for k, v in value.items()}}


def from_attribute(attribute: Mapping[str, Any]) -> Json:
    """The record value of a DynamoDB attribute value written by ``to_attribute``."""
    if "S" in attribute:
        return str(attribute["S"])
    if "N" in attribute:
        return int(attribute["N"])
    if "L" in attribute:
        return [from_attribute(v) for v in attribute["L"]]
    if "M" in attribute:
        return {k: from_attribute(v) for k, v in attribute["M"].items()}
    raise CorruptRecordError(f"unexpected attribute value {attribute!r}")
