"""The unit-of-work port's promises, checked against every implementation (in memory and
SQLite): atomic commits, version checks, taken keys, paging."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from order_service.adapters.memory import MemoryDatabase, MemoryUnitOfWork
from order_service.adapters.ports import (
    ConcurrentChange,
    IdempotencyRecord,
    OutboxMessage,
    UnitOfWork,
)
from order_service.adapters.sqlite import SqliteDatabase, SqliteUnitOfWork, unpublished
from order_service.domain.order import (
    Address,
    Cancellation,
    CancelReason,
    LineRequest,
    Order,
)

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ADDRESS = Address("Ana Ferreira", "Rua Augusta 27", "Lisboa", "1100-048", "PT", line2="2 esq")

MakeUow = Callable[[], UnitOfWork]


@pytest.fixture(params=["memory", "sqlite"])
def make_uow(request: pytest.FixtureRequest, tmp_path: Path) -> MakeUow:
    if request.param == "memory":
        memory = MemoryDatabase()
        return lambda: MemoryUnitOfWork(memory)
    sqlite = SqliteDatabase(tmp_path / "order.sqlite3")
    return lambda: SqliteUnitOfWork(sqlite)


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


def test_a_committed_order_reads_back_equal(make_uow: MakeUow) -> None:
    order = _order("ord_00000001")
    order.record_step("InventoryReserved", NOW)
    order.take_events()
    with make_uow() as uow:
        uow.orders.add(order)
        uow.commit()
    with make_uow() as uow:
        assert uow.orders.get("ord_00000001") == order
        assert uow.orders.get("ord_00000002") is None


def test_leaving_without_commit_writes_nothing(make_uow: MakeUow) -> None:
    with make_uow() as uow:
        uow.orders.add(_order("ord_00000001"))
        uow.keys.add(IdempotencyRecord("k", "f", "ord_00000001"))
        uow.outbox.add(_message("e1"))
    with make_uow() as uow:
        assert uow.orders.get("ord_00000001") is None
        assert uow.keys.get("k") is None


def test_a_stale_save_is_a_concurrent_change(make_uow: MakeUow) -> None:
    with make_uow() as uow:
        uow.orders.add(_order("ord_00000001"))
        uow.commit()
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


def test_orders_page_newest_first_per_customer(make_uow: MakeUow) -> None:
    with make_uow() as uow:
        for n in range(5):
            uow.orders.add(_order(f"ord_0000000{n}", minutes=n))
        uow.orders.add(_order("ord_00000009", customer="cus_OTHER1"))
        uow.commit()
    seen, token = [], None
    while True:
        with make_uow() as uow:
            page = uow.orders.by_customer("cus_8H2KQ1", limit=2, token=token)
        seen += [o.order_id for o in page.orders]
        token = page.next_token
        if token is None:
            break
    assert seen == [f"ord_0000000{n}" for n in (4, 3, 2, 1, 0)]


def test_sqlite_outbox_keeps_committed_messages_in_order(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "order.sqlite3")
    with SqliteUnitOfWork(db) as uow:
        uow.outbox.add(_message("e1"))
        uow.outbox.add(_message("e2"))
        uow.commit()
    with SqliteUnitOfWork(db) as uow:
        uow.outbox.add(_message("e3"))  # rolled back
    assert [m.event_id for _, m in unpublished(db)] == ["e1", "e2"]
