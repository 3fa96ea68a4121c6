"""The unit-of-work port's promises, checked against every implementation (in memory, SQLite
and DynamoDB through moto): atomic commits, version checks, taken keys, paging, the outbox.
Then what only the outbox stores (SQLite, DynamoDB) and only DynamoDB promise."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from order_service.adapters import dynamodb, sqlite
from order_service.adapters.dynamodb import (
    DynamoDbDatabase,
    DynamoDbLimitError,
    DynamoDbUnitOfWork,
    create_table,
)
from order_service.adapters.memory import MemoryDatabase, MemoryUnitOfWork
from order_service.adapters.ports import (
    ConcurrentChange,
    IdempotencyRecord,
    OutboxMessage,
    UnitOfWork,
)
from order_service.adapters.sqlite import SqliteDatabase, SqliteUnitOfWork
from order_service.domain.order import (
    Address,
    Cancellation,
    CancelReason,
    LineRequest,
    Order,
)

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ADDRESS = Address("Ana Ferreira", "Rua Augusta 27", "Lisboa", "1100-048", "PT", line2="2 esq")
REGION = "us-east-1"
TABLE = "ordermesh-order"

MakeUow = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class Store:
    """Units of work on one store, and the event ids its outbox holds (committed, unpublished,
    oldest first)."""

    uow: MakeUow
    events: Callable[[], list[str]]


@dataclass(frozen=True)
class Relay:
    """What an outbox relay uses: unpublished messages (oldest first) with the handles
    ``publish`` takes."""

    uow: MakeUow
    pending: Callable[[int], list[tuple[Any, OutboxMessage]]]
    publish: Callable[[list[Any]], None]


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoDbDatabase]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, TABLE)
        yield DynamoDbDatabase(client, TABLE)


def _store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if kind == "memory":
        memory = MemoryDatabase()
        return Store(lambda: MemoryUnitOfWork(memory), lambda: [m.event_id for m in memory.outbox])
    if kind == "sqlite":
        db = SqliteDatabase(tmp_path / "order.sqlite3")
        return Store(
            lambda: SqliteUnitOfWork(db), lambda: [m.event_id for _, m in sqlite.unpublished(db)]
        )
    dynamo: DynamoDbDatabase = request.getfixturevalue("table")
    return Store(
        lambda: DynamoDbUnitOfWork(dynamo),
        lambda: [m.event_id for _, m in dynamodb.unpublished(dynamo)],
    )


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return _store(request.param, request, tmp_path)


@pytest.fixture
def make_uow(store: Store) -> MakeUow:
    return store.uow


@pytest.fixture(params=["memory", "dynamodb"])
def staging_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A store whose units of work stage their writes until ``commit``, so two of them can be
    open at once (SQLite's ``BEGIN IMMEDIATE`` makes the second wait for the first)."""
    return _store(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite", "dynamodb"])
def relay(request: pytest.FixtureRequest, tmp_path: Path) -> Relay:
    if request.param == "sqlite":
        db = SqliteDatabase(tmp_path / "order.sqlite3")
        return Relay(
            lambda: SqliteUnitOfWork(db),
            lambda limit: list(sqlite.unpublished(db, limit)),
            lambda handles: sqlite.mark_published(db, handles, NOW),
        )
    dynamo: DynamoDbDatabase = request.getfixturevalue("table")
    return Relay(
        lambda: DynamoDbUnitOfWork(dynamo),
        lambda limit: list(dynamodb.unpublished(dynamo, limit)),
        lambda handles: dynamodb.mark_published(dynamo, handles, NOW),
    )


def _order(order_id: str, customer: str = "cus_8H2KQ1", minutes: int = 0) -> Order:
    order = Order.place(
        order_id=order_id,
        customer_id=customer,
        currency="EUR",
        lines=[LineRequest("MUG-BLUE-350", 2, "12.50", "EUR")],
        shipping_address=ADDRESS,
        placed_at=NOW + timedelta(minutes=minutes),
        known_sku=lambda _sku: True,
    )
    order.take_events()
    return order


def _message(event_id: str) -> OutboxMessage:
    return OutboxMessage(event_id, "OrderPlaced@2", {"orderId": "x"}, "ord_1", "req-1", NOW)


def _commit(uow: UnitOfWork, write: Callable[[], None]) -> None:
    """Write and commit: a store may refuse at the write (SQLite) or at the commit."""
    write()
    uow.commit()


def _add(make_uow: MakeUow, *orders: Order) -> None:
    with make_uow() as uow:
        for order in orders:
            uow.orders.add(order)
        uow.commit()


def _queue(make_uow: MakeUow, *event_ids: str) -> None:
    with make_uow() as uow:
        for event_id in event_ids:
            uow.outbox.add(_message(event_id))
        uow.commit()


def _pages(make_uow: MakeUow, customer: str, limit: int) -> list[list[str]]:
    pages, token = [], None
    while True:
        with make_uow() as uow:
            page = uow.orders.by_customer(customer, limit=limit, token=token)
        pages.append([o.order_id for o in page.orders])
        token = page.next_token
        if token is None:
            return pages


# The port, in every store.


def test_a_committed_order_reads_back_equal(make_uow: MakeUow) -> None:
    order = _order("ord_00000001")
    order.record_step("InventoryReserved", NOW)
    order.take_events()
    _add(make_uow, order)
    with make_uow() as uow:
        assert uow.orders.get("ord_00000001") == order
        assert uow.orders.get("ord_00000002") is None


def test_leaving_without_commit_writes_nothing(store: Store) -> None:
    with store.uow() as uow:
        uow.orders.add(_order("ord_00000001"))
        uow.keys.add(IdempotencyRecord("k", "f", "ord_00000001"))
        uow.outbox.add(_message("e1"))
    with store.uow() as uow:
        assert uow.orders.get("ord_00000001") is None
        assert uow.keys.get("k") is None
    assert store.events() == []


def test_a_stale_save_is_a_concurrent_change(make_uow: MakeUow) -> None:
    _add(make_uow, _order("ord_00000001"))
    with make_uow() as uow:
        stale = uow.orders.get("ord_00000001")
    assert stale is not None
    with make_uow() as uow:
        fresh = uow.orders.get("ord_00000001")
        assert fresh is not None
        fresh.cancel(Cancellation(CancelReason.CUSTOMER_REQUESTED, "changed mind"), NOW)
        uow.orders.save(fresh)
        uow.commit()
    with make_uow() as uow, pytest.raises(ConcurrentChange):
        _commit(uow, lambda: uow.orders.save(stale))
    with make_uow() as uow:
        stored = uow.orders.get("ord_00000001")
        assert stored is not None
        assert (stored.version, stored.status.value) == (1, "CANCELLED")


def test_a_stale_save_writes_nothing_else_of_its_unit_of_work(store: Store) -> None:
    _add(store.uow, _order("ord_00000001"))
    with store.uow() as uow:
        stale = uow.orders.get("ord_00000001")
        fresh = uow.orders.get("ord_00000001")
    assert stale is not None
    assert fresh is not None
    with store.uow() as uow:
        fresh.record_step("InventoryReserved", NOW)
        uow.orders.save(fresh)
        uow.commit()

    def write() -> None:
        uow.keys.add(IdempotencyRecord("k", "f", "ord_00000002"))
        uow.orders.add(_order("ord_00000002"))
        uow.outbox.add(_message("e1"))
        stale.cancel(Cancellation(CancelReason.CUSTOMER_REQUESTED, "changed mind"), NOW)
        uow.orders.save(stale)

    with store.uow() as uow, pytest.raises(ConcurrentChange):
        _commit(uow, write)
    with store.uow() as uow:
        assert uow.keys.get("k") is None
        assert uow.orders.get("ord_00000002") is None
        assert uow.orders.get("ord_00000001") == fresh
    assert store.events() == []


def test_a_taken_key_or_id_is_a_concurrent_change(make_uow: MakeUow) -> None:
    with make_uow() as uow:
        uow.orders.add(_order("ord_00000001"))
        uow.keys.add(IdempotencyRecord("k", "f", "ord_00000001"))
        uow.commit()
    with make_uow() as uow, pytest.raises(ConcurrentChange):
        _commit(uow, lambda: uow.keys.add(IdempotencyRecord("k", "g", "ord_00000002")))
    with make_uow() as uow, pytest.raises(ConcurrentChange):
        _commit(uow, lambda: uow.orders.add(_order("ord_00000001")))
    with make_uow() as uow:
        assert uow.keys.get("k") == IdempotencyRecord("k", "f", "ord_00000001")


def test_each_committed_save_moves_the_version_up_by_one(make_uow: MakeUow) -> None:
    order = _order("ord_00000001")
    _add(make_uow, order)
    assert order.version == 0
    for version, step in enumerate(("InventoryReserved", "PaymentAuthorized"), start=1):
        with make_uow() as uow:
            order.record_step(step, NOW)
            uow.orders.save(order)
            uow.commit()
        assert order.version == version
    with make_uow() as uow:
        assert uow.orders.get("ord_00000001") == order
    assert [s.name for s in order.steps] == ["InventoryReserved", "PaymentAuthorized"]


def test_orders_page_newest_first_per_customer(make_uow: MakeUow) -> None:
    _add(
        make_uow,
        *(_order(f"ord_0000000{n}", minutes=n) for n in range(5)),
        _order("ord_00000009", customer="cus_OTHER1"),
    )
    assert _pages(make_uow, "cus_8H2KQ1", 2) == [
        ["ord_00000004", "ord_00000003"],
        ["ord_00000002", "ord_00000001"],
        ["ord_00000000"],
    ]
    assert _pages(make_uow, "cus_OTHER1", 2) == [["ord_00000009"]]
    assert _pages(make_uow, "cus_NOBODY", 2) == [[]]


def test_a_page_has_a_token_only_when_more_orders_follow(make_uow: MakeUow) -> None:
    _add(make_uow, *(_order(f"ord_0000000{n}", minutes=n) for n in range(4)))
    assert _pages(make_uow, "cus_8H2KQ1", 2) == [
        ["ord_00000003", "ord_00000002"],
        ["ord_00000001", "ord_00000000"],
    ]
    assert _pages(make_uow, "cus_8H2KQ1", 4) == [
        ["ord_00000003", "ord_00000002", "ord_00000001", "ord_00000000"]
    ]


@pytest.mark.parametrize("token", ["-1", "true", "null", "[1]", '["a", 2]', "{}", "abc"])
def test_a_page_token_the_store_did_not_give_is_a_value_error(
    make_uow: MakeUow, token: str
) -> None:
    # found by fuzzing GET /orders: the SQLite store bound whatever JSON the token held (a 500)
    with make_uow() as uow, pytest.raises(ValueError, match="page token"):
        uow.orders.by_customer("cus_8H2KQ1", limit=2, token=token)


def test_orders_placed_at_the_same_time_page_by_id_descending(make_uow: MakeUow) -> None:
    _add(
        make_uow,
        *(_order(f"ord_0000000{n}") for n in (2, 5, 1)),
        _order("ord_00000007", minutes=-1),
    )
    assert _pages(make_uow, "cus_8H2KQ1", 2) == [
        ["ord_00000005", "ord_00000002"],
        ["ord_00000001", "ord_00000007"],
    ]


def test_the_outbox_keeps_committed_messages_in_commit_order(store: Store) -> None:
    _queue(store.uow, "e1", "e2")
    _queue(store.uow, "e3")
    with store.uow() as uow:
        uow.outbox.add(_message("e4"))  # rolled back
    _queue(store.uow, "e0")
    assert store.events() == ["e1", "e2", "e3", "e0"]


def test_a_key_taken_between_check_and_commit_fails_the_whole_commit(
    staging_store: Store,
) -> None:
    make_uow = staging_store.uow
    with make_uow() as late:
        assert late.keys.get("k") is None
        late.orders.add(_order("ord_00000001"))
        late.keys.add(IdempotencyRecord("k", "f", "ord_00000001"))
        late.outbox.add(_message("e1"))
        with make_uow() as early:
            early.orders.add(_order("ord_00000002"))
            early.keys.add(IdempotencyRecord("k", "f", "ord_00000002"))
            early.commit()
        with pytest.raises(ConcurrentChange):
            late.commit()
    with make_uow() as uow:
        assert uow.orders.get("ord_00000001") is None
        assert uow.keys.get("k") == IdempotencyRecord("k", "f", "ord_00000002")
    assert staging_store.events() == []


def test_of_two_writers_of_one_order_the_second_to_commit_loses(staging_store: Store) -> None:
    make_uow = staging_store.uow
    _add(make_uow, _order("ord_00000001"))
    with make_uow() as first, make_uow() as second:
        mine, theirs = first.orders.get("ord_00000001"), second.orders.get("ord_00000001")
        assert mine is not None
        assert theirs is not None
        mine.record_step("InventoryReserved", NOW)
        theirs.cancel(Cancellation(CancelReason.SAGA_TIMED_OUT, "too slow"), NOW)
        first.orders.save(mine)
        second.orders.save(theirs)
        first.commit()
        with pytest.raises(ConcurrentChange):
            second.commit()
    assert theirs.version == 0  # a failed commit leaves the order as it was read
    with make_uow() as uow:
        assert uow.orders.get("ord_00000001") == mine


# The outbox as a relay sees it (SQLite and DynamoDB).


def test_the_relay_sees_unpublished_messages_oldest_first_until_published(relay: Relay) -> None:
    _queue(relay.uow, "e1", "e2")
    _queue(relay.uow, "e3", "e4", "e5")
    first = relay.pending(2)
    assert [m.event_id for _, m in first] == ["e1", "e2"]
    relay.publish([handle for handle, _ in first])
    rest = relay.pending(10)
    assert [m.event_id for _, m in rest] == ["e3", "e4", "e5"]
    relay.publish([handle for handle, _ in rest[1:]])
    assert [m.event_id for _, m in relay.pending(10)] == ["e3"]
    relay.publish([handle for handle, _ in rest[:1]])
    assert relay.pending(10) == []


def test_an_outbox_message_reads_back_equal(relay: Relay) -> None:
    data = {"orderId": "ord_1", "total": 25.0, "lines": [{"unitPrice": {"amount": "12.50"}}]}
    message = OutboxMessage("e1", "OrderPlaced@1", data, "ord_1", "req-1", NOW)
    with relay.uow() as uow:
        uow.outbox.add(message)
        uow.commit()
    assert [m for _, m in relay.pending(10)] == [message]


# DynamoDB only.


def _item(table: DynamoDbDatabase, pk: str, sk: str) -> dict[str, Any]:
    response = table.client.get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}})
    item: dict[str, Any] = response.get("Item", {})
    return item


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


def test_a_published_message_leaves_the_index_and_stays_in_the_table(
    table: DynamoDbDatabase,
) -> None:
    _queue(partial(DynamoDbUnitOfWork, table), "e1")
    queued = _item(table, "OUTBOX#e1", "MESSAGE")
    assert queued["unpublished"] == {"S": "OUTBOX"}
    dynamodb.mark_published(table, ["e1", "e-unknown"], NOW)
    published = _item(table, "OUTBOX#e1", "MESSAGE")
    assert "unpublished" not in published
    assert published["published_at"] == {"S": NOW.isoformat()}
    expires = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # NOW + OUTBOX_RETENTION
    assert published["expires_at"] == {"N": str(int(expires.timestamp()))}
    assert "expires_at" not in queued
    assert published["queued_at"] == queued["queued_at"]
    assert _item(table, "OUTBOX#e-unknown", "MESSAGE") == {}
    assert dynamodb.unpublished(table) == []


def test_sqlite_deletes_messages_published_longer_ago_than_the_retention(
    tmp_path: Path,
) -> None:
    db = SqliteDatabase(tmp_path / "order.sqlite3")
    _queue(partial(SqliteUnitOfWork, db), "old", "recent", "now")
    seqs = {m.event_id: seq for seq, m in sqlite.unpublished(db)}
    sqlite.mark_published(db, [seqs["old"]], NOW - timedelta(days=7, seconds=1))
    sqlite.mark_published(db, [seqs["recent"]], NOW - timedelta(days=6, hours=23))
    kept = "SELECT event_id FROM order_outbox ORDER BY seq"
    assert [r["event_id"] for r in db.connection().execute(kept)] == ["old", "recent", "now"]
    sqlite.mark_published(db, [seqs["now"]], NOW.astimezone(timezone(timedelta(hours=2))))
    assert [r["event_id"] for r in db.connection().execute(kept)] == ["recent", "now"]
    assert sqlite.unpublished(db) == []


def test_a_message_the_lagging_index_still_lists_is_not_listed_once_published(
    table: DynamoDbDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queue(partial(DynamoDbUnitOfWork, table), "e1", "e2", "e3")
    query = table.client.query
    lagging = query(
        TableName=TABLE,
        IndexName="unpublished",
        KeyConditionExpression="unpublished = :o",
        ExpressionAttributeValues={":o": {"S": "OUTBOX"}},
    )
    monkeypatch.setattr(table.client, "query", lambda **_request: lagging)
    dynamodb.mark_published(table, ["e1", "e3"], NOW)
    assert [m.event_id for _, m in dynamodb.unpublished(table)] == ["e2"]


def test_a_page_is_filled_across_dynamodb_query_pages(
    table: DynamoDbDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_uow = partial(DynamoDbUnitOfWork, table)
    _add(make_uow, *(_order(f"ord_0000000{n}", minutes=n) for n in range(5)))
    query = table.client.query
    calls: list[dict[str, Any]] = []

    def one_item_at_a_time(**request: Any) -> Any:
        calls.append(request)
        return query(**{**request, "Limit": 1})

    monkeypatch.setattr(table.client, "query", one_item_at_a_time)
    assert _pages(make_uow, "cus_8H2KQ1", 3) == [
        ["ord_00000004", "ord_00000003", "ord_00000002"],
        ["ord_00000001", "ord_00000000"],
    ]
    # the first page wants 3 orders and a 4th (to know more follow): a query for each, asking
    # for what is still missing
    assert [call["Limit"] for call in calls[:4]] == [4, 3, 2, 1]
    assert all(":after" in call["ExpressionAttributeValues"] for call in calls[4:])


def test_a_malformed_page_token_is_refused(table: DynamoDbDatabase) -> None:
    with DynamoDbUnitOfWork(table) as uow, pytest.raises(ValueError, match="page token"):
        uow.orders.by_customer("cus_8H2KQ1", limit=2, token='["2026-11-22", "ord_1"]')


def test_a_unit_of_work_of_100_items_commits(table: DynamoDbDatabase) -> None:
    make_uow = partial(DynamoDbUnitOfWork, table)
    with make_uow() as uow:
        uow.orders.add(_order("ord_00000001"))
        for n in range(99):
            uow.outbox.add(_message(f"e{n:02d}"))
        uow.commit()
    assert len(dynamodb.unpublished(table, 200)) == 99


def test_more_than_100_items_are_refused_before_anything_is_written(
    table: DynamoDbDatabase,
) -> None:
    with DynamoDbUnitOfWork(table) as uow:
        uow.orders.add(_order("ord_00000001"))
        for n in range(100):
            uow.outbox.add(_message(f"e{n:03d}"))
        with pytest.raises(DynamoDbLimitError, match="101 items"):
            uow.commit()
    with DynamoDbUnitOfWork(table) as uow:
        assert uow.orders.get("ord_00000001") is None
    assert dynamodb.unpublished(table) == []


def test_an_item_over_400_kb_is_refused(table: DynamoDbDatabase) -> None:
    big = OutboxMessage("e1", "OrderPlaced@2", {"blob": "x" * 400 * 1024}, "o", "r", NOW)
    with DynamoDbUnitOfWork(table) as uow:
        uow.orders.add(_order("ord_00000001"))
        uow.outbox.add(big)
        with pytest.raises(DynamoDbLimitError, match="item e1 is 4"):
            uow.commit()
    with DynamoDbUnitOfWork(table) as uow:
        assert uow.orders.get("ord_00000001") is None


def test_a_transaction_over_4_mb_is_refused(table: DynamoDbDatabase) -> None:
    blob = "x" * 390 * 1024
    with DynamoDbUnitOfWork(table) as uow:
        for n in range(11):
            uow.outbox.add(OutboxMessage(f"e{n}", "OrderPlaced@2", {"b": blob}, "o", "r", NOW))
        with pytest.raises(DynamoDbLimitError, match="4 MB"):
            uow.commit()
    assert dynamodb.unpublished(table) == []


def _cancelled(*codes: str) -> ClientError:
    response: Any = {
        "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
        "CancellationReasons": [{"Code": code} for code in codes],
    }
    return ClientError(response, "TransactWriteItems")


@pytest.mark.parametrize(
    ("codes", "raised"),
    [
        (("None", "TransactionConflict"), ConcurrentChange),
        (("None", "ConditionalCheckFailed"), ConcurrentChange),
        (("ThrottlingError", "None"), ClientError),
    ],
)
def test_a_cancelled_transaction_is_a_concurrent_change_only_for_a_clash(
    table: DynamoDbDatabase,
    monkeypatch: pytest.MonkeyPatch,
    codes: tuple[str, ...],
    raised: type[Exception],
) -> None:
    def cancel(**_request: Any) -> Any:
        raise _cancelled(*codes)

    monkeypatch.setattr(table.client, "transact_write_items", cancel)
    with DynamoDbUnitOfWork(table) as uow:
        order = _order("ord_00000001")
        uow.orders.add(order)
        uow.keys.add(IdempotencyRecord("k", "f", "ord_00000001"))
        with pytest.raises(raised) as caught:
            uow.commit()
    if raised is ConcurrentChange:
        assert str(caught.value) == "k"  # the item that clashed
