"""ReleaseInventory and expiry: stock goes back exactly once; replies are idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from inventory_service.adapters.memory import FakeClock, InMemoryStore, InMemoryUnitOfWork
from inventory_service.domain.commands import ReleaseStock, ReserveStock
from inventory_service.domain.errors import ReservationNotFoundError
from inventory_service.domain.events import InventoryReleased
from inventory_service.domain.values import Line, ReleaseReason
from inventory_service.service_layer.release import expire_due_reservations, release_inventory
from inventory_service.service_layer.reserve import reserve_inventory

ORDER = "ord_01JD7Q4K2M9T"
RESERVATION = "res_01JD7Q4K2M9T"
LINES = (Line("MUG-BLUE-350", 2), Line("TEA-EARLGREY-100G", 1))
COMPENSATE = ReleaseStock(ORDER, RESERVATION, ReleaseReason.SAGA_COMPENSATION)


@pytest.fixture
def reserved(uow: InMemoryUnitOfWork, clock: FakeClock) -> None:
    reserve_inventory(ReserveStock(ORDER, LINES, 300), uow, clock)


def reserved_units(store: InMemoryStore) -> tuple[int, int]:
    return store.stock["MUG-BLUE-350"].reserved, store.stock["TEA-EARLGREY-100G"].reserved


@pytest.mark.usefixtures("reserved")
def test_release_returns_the_stock(store: InMemoryStore, uow: InMemoryUnitOfWork) -> None:
    # Given 2 MUG and 1 TEA reserved, When the saga compensates
    event = release_inventory(COMPENSATE, uow)
    # Then the stock is available again and InventoryReleased carries the lines and reason
    assert event == InventoryReleased(ORDER, RESERVATION, LINES, ReleaseReason.SAGA_COMPENSATION)
    assert reserved_units(store) == (0, 0)


@pytest.mark.usefixtures("reserved")
def test_releasing_twice_replies_twice_and_returns_stock_once(
    store: InMemoryStore, uow: InMemoryUnitOfWork
) -> None:
    first = release_inventory(COMPENSATE, uow)
    cancel = ReleaseStock(ORDER, RESERVATION, ReleaseReason.ORDER_CANCELLED)
    second = release_inventory(cancel, uow)
    # The second reply repeats how the reservation really ended
    assert second == first
    assert reserved_units(store) == (0, 0)
    assert store.stock["MUG-BLUE-350"].on_hand == 10


@pytest.mark.usefixtures("reserved")
def test_expiry_returns_stock_of_due_reservations_only(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    # Given a second reservation with a longer TTL
    reserve_inventory(ReserveStock("ord_01JD7Q4K2M9U", (Line("MUG-BLUE-350", 1),), 600), uow, clock)
    # When expiry runs just before and then at the first one's expiresAt
    early = expire_due_reservations(uow, clock.now() + timedelta(seconds=299))
    due = expire_due_reservations(uow, clock.now() + timedelta(seconds=300))
    # Then only the first reservation lapses, once
    assert early == ()
    assert due == (InventoryReleased(ORDER, RESERVATION, LINES, ReleaseReason.RESERVATION_EXPIRED),)
    assert reserved_units(store) == (1, 0)
    assert expire_due_reservations(uow, clock.now() + timedelta(seconds=300)) == ()


@pytest.mark.usefixtures("reserved")
def test_release_after_expiry_replies_expired_without_returning_stock_again(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    expire_due_reservations(uow, clock.now() + timedelta(hours=1))
    # When the saga's compensation arrives after the reservation lapsed
    event = release_inventory(COMPENSATE, uow)
    # Then the saga still gets InventoryReleased, saying it expired, and stock is untouched
    assert event.reason is ReleaseReason.RESERVATION_EXPIRED
    assert reserved_units(store) == (0, 0)


@pytest.mark.usefixtures("reserved")
def test_expiry_skips_a_reservation_already_released(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    release_inventory(COMPENSATE, uow)
    assert expire_due_reservations(uow, clock.now() + timedelta(hours=1)) == ()
    assert reserved_units(store) == (0, 0)


@pytest.mark.usefixtures("reserved")
@pytest.mark.parametrize(
    "command",
    [
        ReleaseStock("ord_01JD9A7XG3NB", "res_01JD9A7XG3NB", ReleaseReason.ORDER_CANCELLED),
        ReleaseStock(ORDER, "res_01JD9A7XG3NB", ReleaseReason.ORDER_CANCELLED),
    ],
)
def test_unknown_reservation_is_an_error_and_changes_nothing(
    command: ReleaseStock, store: InMemoryStore, uow: InMemoryUnitOfWork
) -> None:
    with pytest.raises(ReservationNotFoundError) as raised:
        release_inventory(command, uow)
    assert raised.value.field == "reservationId"
    assert reserved_units(store) == (2, 1)


def test_release_of_a_rejected_order_is_unknown(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    reserve_inventory(ReserveStock(ORDER, (Line("KETTLE-STEEL-1L", 9),)), uow, clock)
    with pytest.raises(ReservationNotFoundError):
        release_inventory(COMPENSATE, uow)
    assert store.stock["KETTLE-STEEL-1L"].reserved == 0


def test_a_release_before_the_reservation_withdraws_the_order_and_replies_released(
    store: InMemoryStore, uow: InMemoryUnitOfWork
) -> None:
    # Given nothing reserved for the order yet (its ReserveInventory is late)
    # When the saga's compensation releases it, naming the order's lines
    event = release_inventory(withdraw(), uow)
    # Then the saga gets its InventoryReleased and no stock moves
    assert event == InventoryReleased(ORDER, RESERVATION, LINES, ReleaseReason.SAGA_COMPENSATION)
    assert reserved_units(store) == (0, 0)
    assert release_inventory(withdraw(), uow) == event


def test_a_reservation_arriving_after_its_release_holds_nothing_and_answers_nothing(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    # Given the saga already released the order before inventory saw ReserveInventory
    release_inventory(withdraw(), uow)
    # When the late ReserveInventory arrives, and again (a redelivery)
    first = reserve_inventory(ReserveStock(ORDER, LINES, 300), uow, clock)
    again = reserve_inventory(ReserveStock(ORDER, LINES, 300), uow, clock)
    # Then nothing is held, nothing is announced, and nothing is left to expire
    assert (first, again) == ((), ())
    assert reserved_units(store) == (0, 0)
    assert expire_due_reservations(uow, clock.now() + timedelta(hours=1)) == ()
    # and a later release still gets the same reply
    assert release_inventory(withdraw(), uow).lines == LINES


def withdraw() -> ReleaseStock:
    return ReleaseStock(ORDER, RESERVATION, ReleaseReason.SAGA_COMPENSATION, lines=LINES)
