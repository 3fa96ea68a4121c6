"""Concurrent use cases against the in-memory store: version conflicts, retries, no oversell.

A barrier in ``before_commit`` makes both threads read before either commits, so the race the
tests are about happens on every run instead of by chance.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TypeVar

from inventory_service.adapters.memory import FakeClock, InMemoryStore, InMemoryUnitOfWork
from inventory_service.domain.commands import ReleaseStock, ReserveStock
from inventory_service.domain.events import (
    DomainEvent,
    InventoryReservationRejected,
    InventoryReserved,
)
from inventory_service.domain.values import Line, RejectionReason, ReleaseReason
from inventory_service.service_layer.release import expire_due_reservations, release_inventory
from inventory_service.service_layer.reserve import reserve_inventory

T = TypeVar("T")
TIMEOUT = 10


def racing_uows(store: InMemoryStore, count: int) -> list[InMemoryUnitOfWork]:
    """Units of work whose first commits wait for each other (later retries run freely)."""
    barrier = threading.Barrier(count, timeout=TIMEOUT)

    def first_commit_waits() -> Callable[[], None]:
        calls: list[None] = []

        def hook() -> None:
            if not calls:
                calls.append(None)
                barrier.wait()

        return hook

    return [InMemoryUnitOfWork(store, first_commit_waits()) for _ in range(count)]


def run_together(calls: list[Callable[[], T]]) -> list[T]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result(timeout=TIMEOUT) for future in futures]


def test_two_orders_racing_for_the_last_unit_one_wins(
    store: InMemoryStore, clock: FakeClock
) -> None:
    # Given 1 KETTLE on hand, and two orders that both read it before either commits
    first, second = racing_uows(store, 2)
    orders = [
        ReserveStock("ord_01JD7Q4K2M9A", (Line("KETTLE-STEEL-1L", 1),)),
        ReserveStock("ord_01JD7Q4K2M9B", (Line("KETTLE-STEEL-1L", 1),)),
    ]
    # When both reserve at once
    replies = run_together(
        [
            lambda: reserve_inventory(orders[0], first, clock)[0],
            lambda: reserve_inventory(orders[1], second, clock)[0],
        ]
    )
    # Then one commit conflicted, exactly one order got the unit, the other was told why
    assert store.conflicts >= 1
    assert sorted(type(r).__name__ for r in replies) == [
        "InventoryReservationRejected",
        "InventoryReserved",
    ]
    rejected = next(r for r in replies if isinstance(r, InventoryReservationRejected))
    assert rejected.reason is RejectionReason.INSUFFICIENT_STOCK
    kettle = store.stock["KETTLE-STEEL-1L"]
    assert (kettle.on_hand, kettle.reserved) == (1, 1)


def test_duplicate_deliveries_racing_reserve_once(store: InMemoryStore, clock: FakeClock) -> None:
    command = ReserveStock("ord_01JD7Q4K2M9T", (Line("MUG-BLUE-350", 4),))
    first, second = racing_uows(store, 2)
    replies = run_together(
        [
            lambda: reserve_inventory(command, first, clock)[0],
            lambda: reserve_inventory(command, second, clock)[0],
        ]
    )
    # The second commit was refused (not a lost update), its retry found the recorded reply
    assert store.conflicts >= 1
    assert isinstance(replies[0], InventoryReserved)
    assert replies[0] == replies[1]
    assert store.stock["MUG-BLUE-350"].reserved == 4


def test_release_racing_expiry_returns_stock_once(store: InMemoryStore, clock: FakeClock) -> None:
    # Given a reservation that is due
    command = ReserveStock("ord_01JD7Q4K2M9T", (Line("MUG-BLUE-350", 4),), 60)
    reserve_inventory(command, InMemoryUnitOfWork(store), clock)
    later = clock.now() + timedelta(minutes=5)
    release = ReleaseStock("ord_01JD7Q4K2M9T", "res_01JD7Q4K2M9T", ReleaseReason.ORDER_CANCELLED)
    saga, sweeper = racing_uows(store, 2)
    # When the saga releases it while the expiry sweep expires it
    released, expired = run_together(
        [
            lambda: (release_inventory(release, saga),),
            lambda: expire_due_reservations(sweeper, later),
        ]
    )
    # Then the stock came back once, and the saga's reply says how it really ended
    assert store.conflicts >= 1
    assert store.stock["MUG-BLUE-350"].reserved == 0
    (reply,) = released
    if expired:
        assert reply.reason is ReleaseReason.RESERVATION_EXPIRED
    else:
        assert reply.reason is ReleaseReason.ORDER_CANCELLED


def test_many_orders_never_oversell(store: InMemoryStore, clock: FakeClock) -> None:
    # Given 5 TEA on hand, When 12 orders of 1 all read it before any commits
    commands = [
        ReserveStock(f"ord_0000000{n:03d}", (Line("TEA-EARLGREY-100G", 1),)) for n in range(12)
    ]
    uows = racing_uows(store, len(commands))

    def reserve(command: ReserveStock, uow: InMemoryUnitOfWork) -> Callable[[], DomainEvent]:
        return lambda: reserve_inventory(command, uow, clock, attempts=len(commands))[0]

    replies = run_together([reserve(c, u) for c, u in zip(commands, uows, strict=True)])
    # Then exactly 5 are reserved, the rest rejected, and the store agrees
    assert sum(isinstance(r, InventoryReserved) for r in replies) == 5
    assert sum(isinstance(r, InventoryReservationRejected) for r in replies) == 7
    tea = store.stock["TEA-EARLGREY-100G"]
    assert (tea.reserved, tea.available) == (5, 0)
