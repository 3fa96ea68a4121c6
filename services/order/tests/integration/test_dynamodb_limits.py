"""DynamoDB's transaction limits (through moto): a unit of work of 100 items commits; more than
100 items, an item over 400 KB or a transaction over 4 MB is refused before anything is
written."""

from __future__ import annotations

from functools import partial

import pytest
from order_service.adapters import dynamodb
from order_service.adapters.dynamodb import (
    DynamoDbDatabase,
    DynamoDbLimitError,
    DynamoDbUnitOfWork,
)
from order_service.adapters.ports import OutboxMessage

from .support import NOW, _message, _order


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
