"""What only the DynamoDB adapter has: the table and item layout, the sparse expiry index,
the 100-item transaction limit, and how DynamoDB's errors are told apart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from inventory_service.adapters.dynamodb import (
    MAX_TRANSACTION_ITEMS,
    DynamoDbInventoryStore,
    TransactionTooLargeError,
    create_table,
    expiry_shard,
    outcome_key,
    stock_key,
)
from inventory_service.adapters.memory import FakeClock
from inventory_service.adapters.ports import ConcurrencyConflictError
from inventory_service.domain.catalog import CatalogEntry
from inventory_service.domain.commands import ReleaseStock, ReserveStock
from inventory_service.domain.events import InventoryReservationRejected, InventoryReserved
from inventory_service.domain.stock import StockItem
from inventory_service.domain.values import Line, ReleaseReason, reservation_id_for
from inventory_service.service_layer.release import release_inventory
from inventory_service.service_layer.reserve import reserve_inventory
from inventory_service.service_layer.stock import seed_catalog
from moto import mock_aws

NOW = datetime(2026, 11, 20, 9, 14, 3, tzinfo=UTC)
TABLE = "ordermesh-inventory"
ORDER = "ord_01JD7Q4K2M9A"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, TABLE)
        yield client


@pytest.fixture
def store(client: Any) -> DynamoDbInventoryStore:
    return DynamoDbInventoryStore(client, TABLE)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def _skus(count: int) -> list[str]:
    return [f"SKU-{n:04d}" for n in range(count)]


def _seed(store: DynamoDbInventoryStore, skus: list[str]) -> None:
    seed_catalog([CatalogEntry(sku, 5, 1, "DUB-1") for sku in skus], store.unit_of_work())


def _raw(client: Any, key: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = client.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"]
    return item


def test_the_table_has_string_keys_and_the_expiry_index(client: Any) -> None:
    table = client.describe_table(TableName=TABLE)["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]} == {
        "pk": "S",
        "sk": "S",
        "expiry_shard": "S",
        "expires_at": "S",
    }
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by-expiry"
    assert index["KeySchema"] == [
        {"AttributeName": "expiry_shard", "KeyType": "HASH"},
        {"AttributeName": "expires_at", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_stock_and_outcome_items_are_laid_out_as_documented(
    client: Any, store: DynamoDbInventoryStore, clock: FakeClock
) -> None:
    _seed(store, ["MUG-BLUE-350"])
    reserve_inventory(ReserveStock(ORDER, (Line("MUG-BLUE-350", 2),)), store.unit_of_work(), clock)
    assert _raw(client, stock_key("MUG-BLUE-350")) == {
        "pk": {"S": "SKU#MUG-BLUE-350"},
        "sk": {"S": "STOCK"},
        "sku": {"S": "MUG-BLUE-350"},
        "on_hand": {"N": "5"},
        "reserved": {"N": "2"},
        "threshold": {"N": "1"},
        "warehouse": {"S": "DUB-1"},
        "version": {"N": "2"},
    }
    assert _raw(client, outcome_key(ORDER)) == {
        "pk": {"S": f"ORDER#{ORDER}"},
        "sk": {"S": "OUTCOME"},
        "kind": {"S": "RESERVATION"},
        "order_id": {"S": ORDER},
        "reservation_id": {"S": reservation_id_for(ORDER)},
        "lines": {"L": [{"M": {"sku": {"S": "MUG-BLUE-350"}, "quantity": {"N": "2"}}}]},
        "expires_at": {"S": "2026-11-20T09:29:03.000000+00:00"},
        "status": {"S": "ACTIVE"},
        "expiry_shard": {"S": expiry_shard(ORDER)},
        "version": {"N": "1"},
    }


def test_an_ended_reservation_or_a_rejection_is_not_in_the_expiry_index(
    client: Any, store: DynamoDbInventoryStore, clock: FakeClock
) -> None:
    _seed(store, ["MUG-BLUE-350"])
    reserve_inventory(ReserveStock(ORDER, (Line("MUG-BLUE-350", 2),)), store.unit_of_work(), clock)
    rejected = ReserveStock("ord_01JD7Q4K2M9B", (Line("CANDLE-SOY-200G", 1),))
    reserve_inventory(rejected, store.unit_of_work(), clock)
    release = ReleaseStock(ORDER, reservation_id_for(ORDER), ReleaseReason.ORDER_CANCELLED)
    release_inventory(release, store.unit_of_work())
    ended = _raw(client, outcome_key(ORDER))
    assert (ended["status"], ended["end_reason"]) == ({"S": "RELEASED"}, {"S": "ORDER_CANCELLED"})
    assert "expiry_shard" not in ended
    assert "expiry_shard" not in _raw(client, outcome_key(rejected.order_id))
    indexed = client.scan(TableName=TABLE, IndexName="by-expiry")["Items"]
    assert indexed == []


def test_due_reservations_are_merged_across_shards_oldest_first(
    store: DynamoDbInventoryStore, clock: FakeClock
) -> None:
    _seed(store, ["MUG-BLUE-350"])
    orders = [f"ord_00000000{n:02d}" for n in range(5)]
    assert len({expiry_shard(o) for o in orders}) > 1, "the orders must span several shards"
    for n, order_id in enumerate(orders):
        command = ReserveStock(order_id, (Line("MUG-BLUE-350", 1),), ttl_seconds=60 * (5 - n))
        reserve_inventory(command, store.unit_of_work(), clock)
    with store.unit_of_work() as uow:
        due = uow.due_reservations(clock.now() + timedelta(hours=1), 3)
    assert [r.order_id for r in due] == orders[:1:-1]


def test_an_order_of_99_skus_fits_one_transaction(
    store: DynamoDbInventoryStore, clock: FakeClock
) -> None:
    skus = _skus(MAX_TRANSACTION_ITEMS - 1)
    _seed(store, skus)
    command = ReserveStock(ORDER, tuple(Line(sku, 1) for sku in skus))
    (reply,) = reserve_inventory(command, store.unit_of_work(), clock)
    assert isinstance(reply, InventoryReserved)
    with store.unit_of_work() as uow:
        assert [uow.get_stock(sku) for sku in skus[::49]] == [
            StockItem(sku, 5, 1, 1, "DUB-1", version=2) for sku in skus[::49]
        ]


def test_an_order_of_100_skus_is_refused_and_writes_nothing(
    store: DynamoDbInventoryStore, clock: FakeClock
) -> None:
    skus = _skus(100)
    _seed(store, skus)
    command = ReserveStock(ORDER, tuple(Line(sku, 1) for sku in skus))
    with pytest.raises(TransactionTooLargeError, match="101 items"):
        reserve_inventory(command, store.unit_of_work(), clock)
    with store.unit_of_work() as uow:
        assert uow.get_outcome(ORDER) is None
        assert {uow.get_stock(sku) for sku in skus} == {
            StockItem(sku, 5, 0, 1, "DUB-1", version=1) for sku in skus
        }


def test_a_rejection_checking_100_skus_is_refused_too(
    store: DynamoDbInventoryStore, clock: FakeClock
) -> None:
    skus = _skus(100)
    command = ReserveStock(ORDER, tuple(Line(sku, 1) for sku in skus))
    with pytest.raises(TransactionTooLargeError, match="101 items"):
        reserve_inventory(command, store.unit_of_work(), clock)
    smaller = ReserveStock(ORDER, command.lines[:99])
    (reply,) = reserve_inventory(smaller, store.unit_of_work(), clock)
    assert isinstance(reply, InventoryReservationRejected)


def _cancelled(store: DynamoDbInventoryStore, reasons: list[dict[str, str]]) -> Stubber:
    stubber = Stubber(store.client)
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled",
        http_status_code=400,
        modeled_fields={"Message": "Transaction cancelled", "CancellationReasons": reasons},
    )
    return stubber


def _commit_two_new_items(store: DynamoDbInventoryStore) -> None:
    with store.unit_of_work() as uow:
        uow.save_stock(StockItem("MUG-BLUE-350", 1, 0, 0, "DUB-1"))
        uow.save_stock(StockItem("TEA-EARLGREY-100G", 1, 0, 0, "DUB-1"))
        uow.commit()


def test_a_transaction_conflict_is_a_concurrency_conflict_naming_the_item(
    store: DynamoDbInventoryStore,
) -> None:
    reasons = [{"Code": "None"}, {"Code": "TransactionConflict"}]
    with (
        _cancelled(store, reasons),
        pytest.raises(ConcurrencyConflictError, match=r"read: TEA-EARLGREY-100G$"),
    ):
        _commit_two_new_items(store)


def test_a_cancellation_for_another_reason_is_not_a_conflict(
    store: DynamoDbInventoryStore,
) -> None:
    reasons = [{"Code": "ThrottlingError"}, {"Code": "None"}]
    with _cancelled(store, reasons), pytest.raises(ClientError) as raised:
        _commit_two_new_items(store)
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"


def test_other_errors_propagate_unchanged(client: Any) -> None:
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        _commit_two_new_items(DynamoDbInventoryStore(client, "no-such-table"))


def test_reads_are_consistent(store: DynamoDbInventoryStore) -> None:
    _seed(store, ["MUG-BLUE-350"])
    with Stubber(store.client) as stubber:
        for key in (stock_key("MUG-BLUE-350"), outcome_key(ORDER)):
            expected = {"TableName": TABLE, "Key": key, "ConsistentRead": True}
            stubber.add_response("get_item", {}, expected)
        with store.unit_of_work() as uow:
            assert uow.get_stock("MUG-BLUE-350") is None
            assert uow.get_outcome(ORDER) is None
        stubber.assert_no_pending_responses()


def test_due_reservations_follow_query_pages(
    client: Any, store: DynamoDbInventoryStore, clock: FakeClock
) -> None:
    # Given two due reservations, as stored
    _seed(store, ["MUG-BLUE-350"])
    orders = ["ord_01JD7Q4K2M9A", "ord_01JD7Q4K2M9B"]
    for n, order_id in enumerate(orders):
        command = ReserveStock(order_id, (Line("MUG-BLUE-350", 1),), ttl_seconds=60 * (n + 1))
        reserve_inventory(command, store.unit_of_work(), clock)
    items = [_raw(client, outcome_key(o)) for o in orders]
    # When the first shard's query returns them on two pages (a page ends at 1 MB)
    last_key = {name: items[0][name] for name in ("pk", "sk", "expiry_shard", "expires_at")}
    with Stubber(client) as stubber:
        stubber.add_response("query", {"Items": items[:1], "LastEvaluatedKey": last_key})
        stubber.add_response(
            "query",
            {"Items": items[1:]},
            {**_query(shard=0, limit=5), "ExclusiveStartKey": last_key},
        )
        for shard in range(1, 8):
            stubber.add_response("query", {"Items": []}, _query(shard=shard, limit=5))
        with store.unit_of_work() as uow:
            due = uow.due_reservations(clock.now() + timedelta(hours=1), 5)
        stubber.assert_no_pending_responses()
    # Then both pages were read
    assert [r.order_id for r in due] == orders


def _query(shard: int, limit: int) -> dict[str, Any]:
    return {
        "TableName": TABLE,
        "IndexName": "by-expiry",
        "KeyConditionExpression": "#shard = :shard AND #at <= :cutoff",
        "ExpressionAttributeNames": {"#shard": "expiry_shard", "#at": "expires_at"},
        "ExpressionAttributeValues": {
            ":shard": {"S": f"EXPIRY#{shard}"},
            ":cutoff": {"S": "2026-11-20T10:14:03.000000+00:00"},
        },
        "Limit": limit,
    }
