"""The unit-of-work port's promises, checked against every adapter (memory, SQLite, DynamoDB).

Atomic commits, version checks on written and read-only items, one outcome per order, the
expiry listing, and the use cases' races: run one after another on every adapter (a rival
commit lands between a unit of work's reads and its commit), and from many threads at once on
the adapters that serve threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
from inventory_service.adapters.memory import FakeClock
from inventory_service.adapters.ports import ConcurrencyConflictError, UnitOfWork
from inventory_service.domain.commands import ReleaseStock, ReserveStock
from inventory_service.domain.events import (
    DomainEvent,
    InventoryReleased,
    InventoryReservationRejected,
    InventoryReserved,
)
from inventory_service.domain.reservation import Rejection, Reservation, ReservationStatus
from inventory_service.domain.stock import StockItem
from inventory_service.domain.values import (
    Line,
    RejectedLine,
    RejectionReason,
    ReleaseReason,
    reservation_id_for,
)
from inventory_service.service_layer.release import expire_due_reservations, release_inventory
from inventory_service.service_layer.reserve import reserve_inventory

if TYPE_CHECKING:
    from conftest import Storage

T = TypeVar("T")
TIMEOUT = 20
MUG, TEA, KETTLE = "MUG-BLUE-350", "TEA-EARLGREY-100G", "KETTLE-STEEL-1L"
ORDER, OTHER = "ord_01JD7Q4K2M9A", "ord_01JD7Q4K2M9B"


def _reservation(order_id: str, clock: FakeClock, *lines: Line) -> Reservation:
    return Reservation(
        order_id, reservation_id_for(order_id), lines, clock.now() + timedelta(minutes=15)
    )


def _stock(uow: UnitOfWork, sku: str) -> StockItem:
    item = uow.get_stock(sku)
    assert item is not None
    return item


def _once(action: Callable[[], Any]) -> Callable[[], None]:
    """A before_commit hook that runs ``action`` at the first commit only."""
    calls: list[None] = []

    def hook() -> None:
        if not calls:
            calls.append(None)
            action()

    return hook


# Commits: all or nothing, versions


def test_a_commit_stores_every_written_item_at_the_next_version(
    storage: Storage, clock: FakeClock
) -> None:
    assert storage.stock(MUG) == StockItem(MUG, 10, 0, 3, "DUB-1", version=1)
    reservation = _reservation(ORDER, clock, Line(MUG, 2), Line(TEA, 1))
    with storage.uow() as uow:
        uow.save_stock(_stock(uow, MUG).reserve(2))
        uow.save_stock(_stock(uow, TEA).reserve(1))
        uow.save_outcome(reservation)
        uow.commit()
    assert storage.stock(MUG) == StockItem(MUG, 10, 2, 3, "DUB-1", version=2)
    assert storage.stock(TEA) == StockItem(TEA, 5, 1, 2, "DUB-1", version=2)
    assert storage.outcome(ORDER) == replace(reservation, version=1)
    assert storage.stock("CANDLE-SOY-200G") is None
    assert storage.outcome(OTHER) is None


def test_outcomes_read_back_equal(storage: Storage, clock: FakeClock) -> None:
    lisbon = timezone(timedelta(hours=1))
    ended = replace(
        _reservation(ORDER, clock, Line(MUG, 1)),
        expires_at=clock.now().astimezone(lisbon),
        status=ReservationStatus.RELEASED,
        end_reason=ReleaseReason.ORDER_CANCELLED,
    )
    rejection = Rejection(
        OTHER,
        (
            RejectedLine(TEA, 9, 5, RejectionReason.INSUFFICIENT_STOCK),
            RejectedLine("CANDLE-SOY-200G", 1, 0, RejectionReason.UNKNOWN_SKU),
        ),
    )
    with storage.uow() as uow:
        uow.save_outcome(ended)
        uow.save_outcome(rejection)
        uow.commit()
    stored = storage.outcome(ORDER)
    assert stored == replace(ended, version=1)
    assert isinstance(stored, Reservation)
    assert stored.expires_at.utcoffset() is not None
    assert storage.outcome(OTHER) == replace(rejection, version=1)


def test_leaving_without_commit_writes_nothing(storage: Storage, clock: FakeClock) -> None:
    with storage.uow() as uow:
        uow.save_stock(replace(_stock(uow, MUG), on_hand=0))
        uow.save_outcome(_reservation(ORDER, clock, Line(MUG, 1)))
        assert uow.get_stock(MUG) == replace(_stock(uow, MUG), on_hand=0)
    assert storage.stock(MUG) == StockItem(MUG, 10, 0, 3, "DUB-1", version=1)
    assert storage.outcome(ORDER) is None


def test_a_stale_commit_writes_nothing(storage: Storage) -> None:
    # Given two units of work that read MUG (and the first TEA too)
    first, second = storage.uow(), storage.uow()
    with first, second:
        mug_a, tea_a = _stock(first, MUG), _stock(first, TEA)
        mug_b = _stock(second, MUG)
        # When the second commits a change to MUG first
        second.save_stock(mug_b.reserve(1))
        second.commit()
        # Then the first, changing MUG and TEA, conflicts and changes neither
        first.save_stock(mug_a.reserve(2))
        first.save_stock(tea_a.reserve(2))
        with pytest.raises(ConcurrencyConflictError, match=MUG):
            first.commit()
    assert storage.stock(MUG) == StockItem(MUG, 10, 1, 3, "DUB-1", version=2)
    assert storage.stock(TEA) == StockItem(TEA, 5, 0, 2, "DUB-1", version=1)


def test_an_outcome_already_recorded_refuses_the_whole_commit(
    storage: Storage, clock: FakeClock
) -> None:
    # Given two units of work deciding the same order from different stock
    first, second = storage.uow(), storage.uow()
    with first, second:
        assert first.get_outcome(ORDER) is None
        assert second.get_outcome(ORDER) is None
        mug, tea = _stock(first, MUG), _stock(second, TEA)
        first.save_stock(mug.reserve(1))
        first.save_outcome(_reservation(ORDER, clock, Line(MUG, 1)))
        first.commit()
        # When the second records its outcome too
        second.save_stock(tea.reserve(1))
        second.save_outcome(_reservation(ORDER, clock, Line(TEA, 1)))
        with pytest.raises(ConcurrencyConflictError, match=ORDER):
            second.commit()
    # Then the first outcome stands, and the second's stock change was not applied either
    recorded = storage.outcome(ORDER)
    assert isinstance(recorded, Reservation)
    assert recorded.lines == (Line(MUG, 1),)
    assert storage.stock(TEA) == StockItem(TEA, 5, 0, 2, "DUB-1", version=1)


def test_a_stale_outcome_update_conflicts(storage: Storage, clock: FakeClock) -> None:
    with storage.uow() as uow:
        uow.save_outcome(_reservation(ORDER, clock, Line(MUG, 1)))
        uow.commit()
    first, second = storage.uow(), storage.uow()
    with first, second:
        read_a, read_b = first.get_outcome(ORDER), second.get_outcome(ORDER)
        assert isinstance(read_a, Reservation)
        assert isinstance(read_b, Reservation)
        first.save_outcome(read_a.release(ReleaseReason.ORDER_CANCELLED))
        first.commit()
        second.save_outcome(read_b.release(ReleaseReason.RESERVATION_EXPIRED))
        with pytest.raises(ConcurrencyConflictError, match=ORDER):
            second.commit()
    stored = storage.outcome(ORDER)
    assert isinstance(stored, Reservation)
    assert (stored.end_reason, stored.version) == (ReleaseReason.ORDER_CANCELLED, 2)


def test_a_sku_read_as_absent_is_checked_at_commit(storage: Storage) -> None:
    candle = StockItem("CANDLE-SOY-200G", 1, 0, 0, "DUB-1")
    with storage.uow() as uow:
        assert uow.get_stock(candle.sku) is None
        tea = _stock(uow, TEA)
        # Meanwhile the SKU read as absent is created
        with storage.uow() as rival:
            rival.save_stock(candle)
            rival.commit()
        uow.save_stock(tea.reserve(1))
        with pytest.raises(ConcurrencyConflictError, match=candle.sku):
            uow.commit()
    assert storage.stock(TEA) == StockItem(TEA, 5, 0, 2, "DUB-1", version=1)


def test_an_item_only_read_is_checked_at_commit(storage: Storage) -> None:
    with storage.uow() as uow:
        kettle = _stock(uow, KETTLE)
        assert kettle.available == 1
        with storage.uow() as rival:
            rival.save_stock(_stock(rival, KETTLE).reserve(1))
            rival.commit()
        uow.save_stock(_stock(uow, MUG).reserve(1))
        with pytest.raises(ConcurrencyConflictError, match=KETTLE):
            uow.commit()
    assert storage.stock(MUG) == StockItem(MUG, 10, 0, 3, "DUB-1", version=1)


def test_two_new_items_with_the_same_key_the_second_conflicts(storage: Storage) -> None:
    candle = StockItem("CANDLE-SOY-200G", 1, 0, 0, "DUB-1")
    first, second = storage.uow(), storage.uow()
    with first, second:
        assert first.get_stock(candle.sku) is None
        assert second.get_stock(candle.sku) is None
        first.save_stock(candle)
        first.commit()
        second.save_stock(replace(candle, on_hand=7))
        with pytest.raises(ConcurrencyConflictError, match=candle.sku):
            second.commit()
    assert storage.stock(candle.sku) == replace(candle, version=1)


# One outcome per order


def test_a_duplicate_reserve_gets_the_recorded_reply_and_reserves_once(
    storage: Storage, clock: FakeClock
) -> None:
    command = ReserveStock(ORDER, (Line(MUG, 4),))
    first = reserve_inventory(command, storage.uow(), clock)
    again = reserve_inventory(replace(command, lines=(Line(MUG, 1),)), storage.uow(), clock)
    assert isinstance(first[0], InventoryReserved)
    assert again == (first[0],)
    assert storage.stock(MUG) == StockItem(MUG, 10, 4, 3, "DUB-1", version=2)


def test_a_duplicate_committed_first_makes_the_original_retry_and_reserve_once(
    storage: Storage, clock: FakeClock
) -> None:
    command = ReserveStock(ORDER, (Line(MUG, 4),))
    duplicate: list[DomainEvent] = []

    def deliver_duplicate() -> None:
        duplicate.extend(reserve_inventory(command, storage.uow(), clock))

    reply = reserve_inventory(command, storage.uow(_once(deliver_duplicate)), clock)
    # The original's commit was refused (not a lost update); its retry found the recorded reply
    assert len(storage.conflicts) == 1
    assert isinstance(reply[0], InventoryReserved)
    assert reply == (duplicate[0],)
    assert storage.stock(MUG) == StockItem(MUG, 10, 4, 3, "DUB-1", version=2)


def test_an_order_losing_the_last_unit_to_a_rival_commit_is_rejected(
    storage: Storage, clock: FakeClock
) -> None:
    rival = ReserveStock(OTHER, (Line(KETTLE, 1),))
    hook = _once(lambda: reserve_inventory(rival, storage.uow(), clock))
    (reply,) = reserve_inventory(ReserveStock(ORDER, (Line(KETTLE, 1),)), storage.uow(hook), clock)
    assert len(storage.conflicts) == 1
    assert isinstance(reply, InventoryReservationRejected)
    assert reply.reason is RejectionReason.INSUFFICIENT_STOCK
    assert isinstance(storage.outcome(OTHER), Reservation)
    assert isinstance(storage.outcome(ORDER), Rejection)
    kettle = storage.stock(KETTLE)
    assert kettle is not None
    assert (kettle.on_hand, kettle.reserved) == (1, 1)


# Expiry


def _reserve_for(storage: Storage, clock: FakeClock, order_id: str, ttl: int) -> None:
    command = ReserveStock(order_id, (Line(MUG, 1),), ttl_seconds=ttl)
    assert isinstance(reserve_inventory(command, storage.uow(), clock)[0], InventoryReserved)


def test_due_reservations_are_the_active_ones_due_oldest_first(
    storage: Storage, clock: FakeClock
) -> None:
    # Given reservations expiring 6, 5, ... 1 minutes from now, in that order of creation
    orders = [f"ord_0000000{n}00" for n in range(6)]
    for n, order_id in enumerate(orders):
        _reserve_for(storage, clock, order_id, ttl=60 * (6 - n))
    # and one of them released, and a rejection
    release = ReleaseStock(orders[4], reservation_id_for(orders[4]), ReleaseReason.ORDER_CANCELLED)
    release_inventory(release, storage.uow())
    rejected = ReserveStock("ord_0000000900", (Line("CANDLE-SOY-200G", 1),))
    reply = reserve_inventory(rejected, storage.uow(), clock)[0]
    assert isinstance(reply, InventoryReservationRejected)
    # Then at +4 minutes, the active ones due by then are listed, the earliest expiry first
    at = clock.now() + timedelta(minutes=4)
    with storage.uow() as uow:
        assert [r.order_id for r in uow.due_reservations(at, 10)] == [
            orders[5],
            orders[3],
            orders[2],
        ]
        assert [r.order_id for r in uow.due_reservations(at, 2)] == [orders[5], orders[3]]
        assert uow.due_reservations(at, 0) == []
        assert uow.due_reservations(clock.now() + timedelta(seconds=59), 10) == []
        (first, *_) = uow.due_reservations(at, 1)
    assert first == storage.outcome(orders[5])


def test_expiring_due_reservations_returns_their_stock_once(
    storage: Storage, clock: FakeClock
) -> None:
    orders = [f"ord_0000000{n}00" for n in range(4)]
    for n, order_id in enumerate(orders):
        _reserve_for(storage, clock, order_id, ttl=60 * (n + 1))
    at = clock.now() + timedelta(minutes=2)
    expired = expire_due_reservations(storage.uow(), at)
    assert [(e.order_id, e.reason) for e in expired] == [
        (orders[0], ReleaseReason.RESERVATION_EXPIRED),
        (orders[1], ReleaseReason.RESERVATION_EXPIRED),
    ]
    assert expire_due_reservations(storage.uow(), at) == ()
    with storage.uow() as uow:
        assert uow.due_reservations(at, 10) == []
        assert [r.order_id for r in uow.due_reservations(at + timedelta(hours=1), 10)] == orders[2:]
    assert storage.stock(MUG) == StockItem(MUG, 10, 2, 3, "DUB-1", version=7)


def test_a_release_committed_during_expiry_returns_the_stock_once(
    storage: Storage, clock: FakeClock
) -> None:
    _reserve_for(storage, clock, ORDER, ttl=60)
    release = ReleaseStock(ORDER, reservation_id_for(ORDER), ReleaseReason.ORDER_CANCELLED)
    saga: list[InventoryReleased] = []
    sweeper = storage.uow(_once(lambda: saga.append(release_inventory(release, storage.uow()))))
    # When the saga's release commits between the sweep's reads and its commit
    expired = expire_due_reservations(sweeper, clock.now() + timedelta(minutes=5))
    # Then the sweep's commit conflicts, its retry sees the reservation ended, stock came back once
    assert len(storage.conflicts) == 1
    assert expired == ()
    assert [r.reason for r in saga] == [ReleaseReason.ORDER_CANCELLED]
    assert storage.stock(MUG) == StockItem(MUG, 10, 0, 3, "DUB-1", version=3)
    stored = storage.outcome(ORDER)
    assert isinstance(stored, Reservation)
    assert stored.status is ReservationStatus.RELEASED


# Many threads at once (the adapters that serve threads)


def _racing(storage: Storage, count: int) -> list[UnitOfWork]:
    """Units of work whose first commits wait until all have read (later retries run freely)."""
    barrier = threading.Barrier(count, timeout=TIMEOUT)
    return [storage.uow(_once(barrier.wait)) for _ in range(count)]


def _run_together(calls: list[Callable[[], T]]) -> list[T]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result(timeout=TIMEOUT) for future in futures]


def _reserving(
    command: ReserveStock, uow: UnitOfWork, clock: FakeClock, attempts: int
) -> Callable[[], DomainEvent]:
    return lambda: reserve_inventory(command, uow, clock, attempts=attempts)[0]


def test_many_orders_racing_for_one_sku_never_oversell(
    threaded_storage: Storage, clock: FakeClock
) -> None:
    # Given 5 TEA on hand, When 12 orders of 1 all read it before any commits
    commands = [ReserveStock(f"ord_0000000{n:03d}", (Line(TEA, 1),)) for n in range(12)]
    uows = _racing(threaded_storage, len(commands))
    replies = _run_together(
        [_reserving(c, u, clock, len(commands)) for c, u in zip(commands, uows, strict=True)]
    )
    # Then exactly 5 are reserved, the rest rejected, and storage agrees
    assert threaded_storage.conflicts
    assert sum(isinstance(r, InventoryReserved) for r in replies) == 5
    assert sum(isinstance(r, InventoryReservationRejected) for r in replies) == 7
    tea = threaded_storage.stock(TEA)
    assert tea is not None
    assert (tea.reserved, tea.available) == (5, 0)
    assert tea.version == 1 + 5


def test_many_orders_racing_for_two_skus_reserve_both_or_neither(
    threaded_storage: Storage, clock: FakeClock
) -> None:
    # Given 10 MUG and 5 TEA, When 8 orders of 1 MUG + 1 TEA race
    commands = [ReserveStock(f"ord_0000001{n:03d}", (Line(MUG, 1), Line(TEA, 1))) for n in range(8)]
    uows = _racing(threaded_storage, len(commands))
    replies = _run_together(
        [_reserving(c, u, clock, len(commands)) for c, u in zip(commands, uows, strict=True)]
    )
    # Then 5 orders got both, 3 got nothing: no MUG is held for an order rejected on TEA
    reserved = [r for r in replies if isinstance(r, InventoryReserved)]
    assert len(reserved) == 5
    mug, tea = threaded_storage.stock(MUG), threaded_storage.stock(TEA)
    assert mug is not None
    assert tea is not None
    assert (mug.reserved, tea.reserved) == (5, 5)
    for command, reply in zip(commands, replies, strict=True):
        outcome = threaded_storage.outcome(command.order_id)
        assert isinstance(outcome, Reservation) == isinstance(reply, InventoryReserved)
