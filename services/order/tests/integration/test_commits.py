"""A unit of work's commit, in every store (in memory, SQLite and DynamoDB through moto): what is
committed reads back equal, what is left without a commit is not written, and each committed save
moves the order's version up by one."""

from __future__ import annotations

from order_service.adapters.ports import IdempotencyRecord

from .support import NOW, MakeUow, Store, _add, _message, _order


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
