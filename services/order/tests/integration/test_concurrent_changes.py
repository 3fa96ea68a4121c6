"""Concurrent changes: a stale save, a taken key or order id, and two open units of work writing
one key or one order each fail the commit as a ``ConcurrentChange`` that writes nothing of it, in
every store (in memory, SQLite and DynamoDB through moto); then DynamoDB's cancelled
transactions, a concurrent change only where items clashed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from order_service.adapters.dynamodb import DynamoDbDatabase, DynamoDbUnitOfWork
from order_service.adapters.ports import ConcurrentChange, IdempotencyRecord, UnitOfWork
from order_service.domain.order import Cancellation, CancelReason

from .support import NOW, MakeUow, Store, _add, _message, _order


def _commit(uow: UnitOfWork, write: Callable[[], None]) -> None:
    """Write and commit: a store may refuse at the write (SQLite) or at the commit."""
    write()
    uow.commit()


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
