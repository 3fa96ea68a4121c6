"""The AWS adapter: orders, idempotency keys and the outbox as items of one DynamoDB table.

Table layout (``create_table`` makes it; the CDK stack declares the same):

=====================  ======================  =============  ==========================
item                   pk                      sk             other attributes
=====================  ======================  =============  ==========================
order                  ``ORDER#<order id>``    ``ORDER``      ``version`` (N), ``body``,
                                                              ``customer_pk``,
                                                              ``customer_sk``
idempotency key        ``IDEMPOTENCY#<key>``   ``KEY``        ``fingerprint``,
                                                              ``order_id``
outbox message         ``OUTBOX#<event id>``   ``MESSAGE``    ``ref``, ``data``, ...,
                                                              ``queued_at``,
                                                              ``unpublished`` or
                                                              ``published_at`` and
                                                              ``expires_at`` (N)
=====================  ======================  =============  ==========================

Every key attribute is a string. Two global secondary indexes:

- ``by_customer`` (``customer_pk`` = ``CUSTOMER#<customer id>``, ``customer_sk`` =
  ``<placed at, UTC, fixed width>#<order id>``; projects ``body``): a customer's orders, newest
  first. A page token is the ``customer_sk`` of the page's last order; the next page is the
  orders below it, so pages are keyset pages like the SQLite adapter's.
- ``unpublished`` (``unpublished`` = ``OUTBOX``, ``queued_at``; projects the message): sparse,
  since only messages not yet published have the ``unpublished`` attribute. ``mark_published``
  removes it, which takes the message out of the index and leaves the item (with its
  ``published_at``) in the table for ``OUTBOX_RETENTION``: its ``expires_at`` (epoch seconds)
  is the table's time-to-live attribute, so DynamoDB deletes it some time after.

The order's ``body`` is the codec's JSON text and an outbox message's ``data`` its contract JSON
text, so amounts stay decimal strings (or the JSON numbers a contract asks for) and never become
DynamoDB numbers or binary floats.

A unit of work reads as it goes (strongly consistent ``GetItem``) and stages its writes;
``commit`` sends all of them as one ``TransactWriteItems``: each order ``Put`` is conditional on
``attribute_not_exists(pk)`` (new) or ``version = <the version read>`` (changed), and each
idempotency key and outbox message ``Put`` on ``attribute_not_exists(pk)``. A failed condition
(or another transaction on the same item) cancels the whole transaction and is raised as
``ConcurrentChange``, which the use cases retry from the read.

Limits DynamoDB sets, checked before sending (``DynamoDbLimitError``): at most 100 items in a
transaction, 400 KB per item, 4 MB per transaction. Reads of the indexes are eventually
consistent: a just-committed order or message may show up in ``by_customer`` or
``unpublished`` a moment later (``unpublished`` checks what the index lists against the table,
so a message just marked published is not listed again). ``queued_at`` is this process's clock
(nanoseconds, never going back within a ``DynamoDbDatabase``), so ``unpublished`` is commit
order within one process and clock order across processes. Every unpublished message shares
one index partition, whose write rate DynamoDB caps (about 1,000 writes a second).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from order_service.adapters.codec import order_from_json, order_to_json
from order_service.adapters.ports import (
    OUTBOX_RETENTION,
    ConcurrentChange,
    IdempotencyKeys,
    IdempotencyRecord,
    Outbox,
    OutboxMessage,
    Page,
    StagedOrders,
    UnitOfWork,
)
from order_service.domain.order import Order

BY_CUSTOMER = "by_customer"
UNPUBLISHED = "unpublished"
UNPUBLISHED_PARTITION = "OUTBOX"
TTL_ATTRIBUTE = "expires_at"  # the table's time-to-live attribute (epoch seconds)
MAX_TRANSACTION_ITEMS = 100
MAX_ITEM_BYTES = 400 * 1024
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
MAX_BATCH_GET = 100
_MESSAGE_ATTRIBUTES = ["event_id", "ref", "data", "correlation_id", "causation_id", "occurred_at"]
_CONFLICTS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
_PAGE_TOKEN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#.+$")
_NANOS = 1_000_000_000

Item = dict[str, dict[str, str]]


class DynamoDbLimitError(ValueError):
    """A write DynamoDB would refuse for its size: too many items, or too many bytes."""


def create_table(client: Any, name: str) -> None:
    """Create the table (``TABLE``, on-demand capacity), wait until it is active, and turn its
    time to live on (``TTL_ATTRIBUTE``)."""
    client.create_table(TableName=name, **TABLE)
    client.get_waiter("table_exists").wait(TableName=name)
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )


def _key_schema(hash_key: str, range_key: str) -> list[dict[str, str]]:
    return [
        {"AttributeName": hash_key, "KeyType": "HASH"},
        {"AttributeName": range_key, "KeyType": "RANGE"},
    ]


# The table's layout as CreateTable takes it (less the name): ``create_table`` and the service's
# CDK stack both build the table from it. Keys: ``pk`` (hash) and ``sk`` (range), strings.
# Indexes: ``by_customer`` (``customer_pk``, ``customer_sk``; projects ``body``) and
# ``unpublished`` (``unpublished``, ``queued_at``; projects the outbox message's attributes).
TABLE: dict[str, Any] = {
    "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [
        {"AttributeName": a, "AttributeType": "S"}
        for a in ("pk", "sk", "customer_pk", "customer_sk", UNPUBLISHED, "queued_at")
    ],
    "KeySchema": _key_schema("pk", "sk"),
    "GlobalSecondaryIndexes": [
        {
            "IndexName": BY_CUSTOMER,
            "KeySchema": _key_schema("customer_pk", "customer_sk"),
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["body"]},
        },
        {
            "IndexName": UNPUBLISHED,
            "KeySchema": _key_schema(UNPUBLISHED, "queued_at"),
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": _MESSAGE_ATTRIBUTES},
        },
    ],
}


class DynamoDbDatabase:
    """One table, through a boto3 ``dynamodb`` client the caller made."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table
        self._lock = threading.Lock()
        self._last_stamp = 0

    def get_item(self, pk: str, sk: str) -> Item | None:
        response = self.client.get_item(TableName=self.table, Key=_key(pk, sk), ConsistentRead=True)
        item: Item | None = response.get("Item")
        return item

    def query(self, want: int, **request: Any) -> list[Item]:
        """Up to ``want`` items of a query, following DynamoDB's pages (1 MB each)."""
        items: list[Item] = []
        start: dict[str, Any] | None = None
        while len(items) < want:
            if start is not None:
                request["ExclusiveStartKey"] = start
            response = self.client.query(TableName=self.table, Limit=want - len(items), **request)
            items += response["Items"]
            start = response.get("LastEvaluatedKey")
            if start is None:
                break
        return items[:want]

    def stamps(self, count: int) -> list[str]:
        """``count`` increasing UTC timestamps (nanoseconds), later than any this gave before."""
        with self._lock:
            first = max(time.time_ns(), self._last_stamp + 1)
            self._last_stamp = first + count - 1
        return [_stamp(first + n) for n in range(count)]


@dataclass(frozen=True)
class _Put:
    what: str  # the order id, idempotency key or event id, to name a conflict
    item: Item
    condition: str
    values: Item | None = None
    names: dict[str, str] | None = None

    def request(self, table: str) -> dict[str, Any]:
        put: dict[str, Any] = {
            "TableName": table,
            "Item": self.item,
            "ConditionExpression": self.condition,
        }
        if self.values:
            put["ExpressionAttributeValues"] = self.values
        if self.names:
            put["ExpressionAttributeNames"] = self.names
        return {"Put": put}


class _Orders(StagedOrders):
    def __init__(self, db: DynamoDbDatabase) -> None:
        super().__init__()
        self._db = db

    def _load(self, order_id: str) -> Order | None:
        item = self._db.get_item(f"ORDER#{order_id}", "ORDER")
        return _order(item) if item is not None else None

    def by_customer(self, customer_id: str, *, limit: int, token: str | None) -> Page:
        if limit < 1:
            raise ValueError(f"a page holds at least one order, not {limit}")
        condition = "customer_pk = :customer"
        values = {":customer": {"S": f"CUSTOMER#{customer_id}"}}
        if token:
            if not _PAGE_TOKEN.match(token):
                raise ValueError(f"{token!r} is not a page token")
            condition += " AND customer_sk < :after"
            values[":after"] = {"S": token}
        items = self._db.query(
            limit + 1,
            IndexName=BY_CUSTOMER,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
        )
        orders = [_order(item) for item in items[:limit]]
        more = len(items) > limit
        return Page(orders, items[limit - 1]["customer_sk"]["S"] if more else None)

    def puts(self) -> Iterator[_Put]:
        for order, expected in self.staged.values():
            item = _order_item(order, 0 if expected is None else expected + 1)
            if expected is None:
                yield _Put(order.order_id, item, "attribute_not_exists(pk)")
            else:
                read = {":read": {"N": str(expected)}}
                yield _Put(order.order_id, item, "#version = :read", read, {"#version": "version"})

    def committed(self) -> None:
        for order, expected in self.staged.values():
            order.version = 0 if expected is None else expected + 1


class _Keys(IdempotencyKeys):
    def __init__(self, db: DynamoDbDatabase) -> None:
        self._db = db
        self.staged: dict[str, IdempotencyRecord] = {}

    def get(self, key: str) -> IdempotencyRecord | None:
        if key in self.staged:
            return self.staged[key]
        item = self._db.get_item(f"IDEMPOTENCY#{key}", "KEY")
        if item is None:
            return None
        return IdempotencyRecord(key, item["fingerprint"]["S"], item["order_id"]["S"])

    def add(self, record: IdempotencyRecord) -> None:
        if self.get(record.key) is not None:
            raise ConcurrentChange(record.key)
        self.staged[record.key] = record

    def puts(self) -> Iterator[_Put]:
        for record in self.staged.values():
            item = {
                **_key(f"IDEMPOTENCY#{record.key}", "KEY"),
                "fingerprint": {"S": record.fingerprint},
                "order_id": {"S": record.order_id},
            }
            yield _Put(record.key, item, "attribute_not_exists(pk)")


class _Outbox(Outbox):
    def __init__(self) -> None:
        self.staged: dict[str, OutboxMessage] = {}

    def add(self, message: OutboxMessage) -> None:
        if message.event_id in self.staged:
            raise ConcurrentChange(message.event_id)
        self.staged[message.event_id] = message

    def puts(self, stamps: list[str]) -> Iterator[_Put]:
        for message, stamp in zip(self.staged.values(), stamps, strict=True):
            yield _Put(message.event_id, _message_item(message, stamp), "attribute_not_exists(pk)")


class DynamoDbUnitOfWork(UnitOfWork):
    """Reads as it goes; ``commit`` writes what was staged in one transaction."""

    orders: _Orders
    keys: _Keys
    outbox: _Outbox

    def __init__(self, db: DynamoDbDatabase) -> None:
        self.db = db
        self.rollback()

    def commit(self) -> None:
        stamps = self.db.stamps(len(self.outbox.staged))
        puts = [*self.orders.puts(), *self.keys.puts(), *self.outbox.puts(stamps)]
        if puts:
            _transact(self.db, puts)
        self.orders.committed()
        self.rollback()

    def rollback(self) -> None:
        self.orders = _Orders(self.db)
        self.keys = _Keys(self.db)
        self.outbox = _Outbox()


def unpublished(db: DynamoDbDatabase, limit: int = 100) -> list[tuple[str, OutboxMessage]]:
    """The outbox's messages not yet published, oldest first, with their event ids.

    The index may still list a message marked published a moment ago; a strongly consistent
    read of the listed items leaves those out, so a relay does not publish them twice.
    """
    items = db.query(
        limit,
        IndexName=UNPUBLISHED,
        KeyConditionExpression="#unpublished = :outbox",
        ExpressionAttributeNames={"#unpublished": UNPUBLISHED},
        ExpressionAttributeValues={":outbox": {"S": UNPUBLISHED_PARTITION}},
        ScanIndexForward=True,
    )
    pending = _still_unpublished(db, [item["pk"]["S"] for item in items])
    return [(item["event_id"]["S"], _message(item)) for item in items if item["pk"]["S"] in pending]


def _still_unpublished(db: DynamoDbDatabase, pks: list[str]) -> set[str]:
    """Of the outbox items ``pks``, those the table (read consistently) has unpublished."""
    pending: set[str] = set()
    for start in range(0, len(pks), MAX_BATCH_GET):
        request: dict[str, Any] = {
            db.table: {
                "Keys": [_key(pk, "MESSAGE") for pk in pks[start : start + MAX_BATCH_GET]],
                "ConsistentRead": True,
                "ProjectionExpression": "pk, #unpublished",
                "ExpressionAttributeNames": {"#unpublished": UNPUBLISHED},
            }
        }
        while request:
            response = db.client.batch_get_item(RequestItems=request)
            found = response["Responses"].get(db.table, [])
            pending |= {item["pk"]["S"] for item in found if UNPUBLISHED in item}
            request = response.get("UnprocessedKeys") or {}
    return pending


def mark_published(db: DynamoDbDatabase, event_ids: list[str], at: datetime) -> None:
    """Take the messages out of ``unpublished``, noting when, to expire ``OUTBOX_RETENTION``
    later; unknown ids are ignored."""
    from botocore.exceptions import ClientError

    expires_at = str(int((at + OUTBOX_RETENTION).timestamp()))
    for event_id in event_ids:
        try:
            db.client.update_item(
                TableName=db.table,
                Key=_key(f"OUTBOX#{event_id}", "MESSAGE"),
                UpdateExpression="SET published_at = :at, #ttl = :ttl REMOVE #unpublished",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#unpublished": UNPUBLISHED, "#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues={":at": {"S": at.isoformat()}, ":ttl": {"N": expires_at}},
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise


def _transact(db: DynamoDbDatabase, puts: list[_Put]) -> None:
    """One TransactWriteItems; ``ConcurrentChange`` naming the first item that clashed."""
    from botocore.exceptions import ClientError

    _check_limits(puts)
    try:
        db.client.transact_write_items(TransactItems=[put.request(db.table) for put in puts])
    except ClientError as exc:
        if _code(exc) != "TransactionCanceledException":
            raise
        reasons = exc.response.get("CancellationReasons", [])  # one per item, in order
        for put, reason in zip(puts, reasons, strict=False):
            if reason.get("Code") in _CONFLICTS:
                raise ConcurrentChange(put.what) from exc
        raise


def _check_limits(puts: list[_Put]) -> None:
    if len(puts) > MAX_TRANSACTION_ITEMS:
        msg = (
            f"{len(puts)} items in one unit of work; a DynamoDB transaction holds at most "
            f"{MAX_TRANSACTION_ITEMS}"
        )
        raise DynamoDbLimitError(msg)
    total = 0
    for put in puts:
        size = _item_size(put.item)
        if size > MAX_ITEM_BYTES:
            msg = f"item {put.what} is {size} bytes; a DynamoDB item holds at most 400 KB"
            raise DynamoDbLimitError(msg)
        total += size
    if total > MAX_TRANSACTION_BYTES:
        msg = f"the unit of work writes {total} bytes; a DynamoDB transaction holds at most 4 MB"
        raise DynamoDbLimitError(msg)


def _item_size(item: Item) -> int:
    """The item's size as DynamoDB counts it: each attribute's name and string value in UTF-8.
    A number counts one byte a digit, close to DynamoDB's one byte per two digits plus one."""
    size = 0
    for name, value in item.items():
        size += len(name.encode()) + sum(len(v.encode()) for v in value.values())
    return size


def _code(exc: Any) -> str:
    code: str = exc.response.get("Error", {}).get("Code", "")
    return code


def _key(pk: str, sk: str) -> Item:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _order_item(order: Order, version: int) -> Item:
    data = order_to_json(order)
    data["version"] = version
    return {
        **_key(f"ORDER#{order.order_id}", "ORDER"),
        "version": {"N": str(version)},
        "body": {"S": json.dumps(data, separators=(",", ":"))},
        "customer_pk": {"S": f"CUSTOMER#{order.customer_id}"},
        "customer_sk": {"S": f"{_utc(order.placed_at)}#{order.order_id}"},
    }


def _order(item: Item) -> Order:
    return order_from_json(json.loads(item["body"]["S"]))


def _message_item(message: OutboxMessage, stamp: str) -> Item:
    return {
        **_key(f"OUTBOX#{message.event_id}", "MESSAGE"),
        "event_id": {"S": message.event_id},
        "ref": {"S": message.ref},
        "data": {"S": json.dumps(message.data, separators=(",", ":"))},
        "correlation_id": {"S": message.correlation_id},
        "causation_id": {"S": message.causation_id},
        "occurred_at": {"S": message.occurred_at.isoformat()},
        "queued_at": {"S": stamp},
        UNPUBLISHED: {"S": UNPUBLISHED_PARTITION},
    }


def _message(item: Item) -> OutboxMessage:
    return OutboxMessage(
        event_id=item["event_id"]["S"],
        ref=item["ref"]["S"],
        data=json.loads(item["data"]["S"]),
        correlation_id=item["correlation_id"]["S"],
        causation_id=item["causation_id"]["S"],
        occurred_at=datetime.fromisoformat(item["occurred_at"]["S"]),
    )


def _utc(at: datetime) -> str:
    """``at`` in UTC, to the microsecond, always the same width: text order is time order."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _stamp(nanos: int) -> str:
    seconds, rest = divmod(nanos, _NANOS)
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%dT%H:%M:%S}.{rest:09d}Z"
