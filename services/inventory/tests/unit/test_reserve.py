"""ReserveInventory: all or nothing, rejections with reasons, idempotent on the order id."""

from __future__ import annotations

from datetime import timedelta

from inventory_service.adapters.memory import FakeClock, InMemoryStore, InMemoryUnitOfWork
from inventory_service.domain.commands import ReserveStock
from inventory_service.domain.events import (
    InventoryReservationRejected,
    InventoryReserved,
    StockLevelLow,
)
from inventory_service.domain.values import Line, RejectedLine, RejectionReason
from inventory_service.service_layer.reserve import reserve_inventory
from inventory_service.service_layer.stock import get_stock

ORDER = "ord_01JD7Q4K2M9T"


def reserved_units(store: InMemoryStore) -> dict[str, int]:
    return {sku: item.reserved for sku, item in store.stock.items()}


def test_reserves_every_line_and_sets_the_expiry_from_the_ttl(
    uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    # Given stock for both SKUs
    command = ReserveStock(ORDER, (Line("MUG-BLUE-350", 2), Line("TEA-EARLGREY-100G", 1)), 900)
    # When the order is reserved
    events = reserve_inventory(command, uow, clock)
    # Then the reply is InventoryReserved with both lines, expiring after the TTL
    assert events == (
        InventoryReserved(
            order_id=ORDER,
            reservation_id="res_01JD7Q4K2M9T",
            lines=command.lines,
            expires_at=clock.now() + timedelta(seconds=900),
        ),
    )
    level = get_stock("MUG-BLUE-350", uow)
    assert level is not None
    assert (level.on_hand, level.reserved, level.available) == (10, 2, 8)


def test_one_line_short_reserves_nothing(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    # Given 5 TEA on hand
    before = reserved_units(store)
    # When an order asks for 2 MUG (enough) and 6 TEA (one short)
    command = ReserveStock(ORDER, (Line("MUG-BLUE-350", 2), Line("TEA-EARLGREY-100G", 6)))
    events = reserve_inventory(command, uow, clock)
    # Then it is rejected for the short line, and not even the MUG line is held
    assert events == (
        InventoryReservationRejected(
            order_id=ORDER,
            reason=RejectionReason.INSUFFICIENT_STOCK,
            rejected_lines=(
                RejectedLine("TEA-EARLGREY-100G", 6, 5, RejectionReason.INSUFFICIENT_STOCK),
            ),
        ),
    )
    assert reserved_units(store) == before


def test_unknown_sku_is_rejected_with_zero_available(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    command = ReserveStock(ORDER, (Line("CANDLE-SOY-200G", 2), Line("MUG-BLUE-350", 20)))
    (reply,) = reserve_inventory(command, uow, clock)
    # The reason is the first rejected line's; every line carries its own
    assert reply == InventoryReservationRejected(
        order_id=ORDER,
        reason=RejectionReason.UNKNOWN_SKU,
        rejected_lines=(
            RejectedLine("CANDLE-SOY-200G", 2, 0, RejectionReason.UNKNOWN_SKU),
            RejectedLine("MUG-BLUE-350", 20, 10, RejectionReason.INSUFFICIENT_STOCK),
        ),
    )
    assert reserved_units(store)["MUG-BLUE-350"] == 0


def test_a_bad_quantity_is_a_rejection_the_saga_hears_about(
    uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    command = ReserveStock(ORDER, (Line("MUG-BLUE-350", 0),))
    (reply,) = reserve_inventory(command, uow, clock)
    assert isinstance(reply, InventoryReservationRejected)
    assert reply.reason is RejectionReason.INVALID_QUANTITY


def test_repeated_skus_are_reserved_as_one_line(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    command = ReserveStock(ORDER, (Line("MUG-BLUE-350", 2), Line("MUG-BLUE-350", 3)))
    (reply,) = reserve_inventory(command, uow, clock)
    assert isinstance(reply, InventoryReserved)
    assert reply.lines == (Line("MUG-BLUE-350", 5),)
    assert store.stock["MUG-BLUE-350"].reserved == 5


def test_duplicate_command_gets_the_same_reply_and_reserves_once(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    # Given an order already reserved
    command = ReserveStock(ORDER, (Line("MUG-BLUE-350", 7),))
    first = reserve_inventory(command, uow, clock)
    # When the same command is delivered again, later
    clock.advance(timedelta(seconds=30))
    second = reserve_inventory(command, uow, clock)
    # Then the reply is the same (same id, same expiry), without repeating StockLevelLow
    assert second == first[:1]
    assert store.stock["MUG-BLUE-350"].reserved == 7


def test_duplicate_of_a_rejected_order_is_rejected_again(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    command = ReserveStock(ORDER, (Line("KETTLE-STEEL-1L", 2),))
    first = reserve_inventory(command, uow, clock)
    # Even once stock has arrived, the recorded answer stands for this order
    store.stock["KETTLE-STEEL-1L"] = store.stock["KETTLE-STEEL-1L"].with_on_hand(5, "setTo")
    assert reserve_inventory(command, uow, clock) == first
    assert store.stock["KETTLE-STEEL-1L"].reserved == 0


def test_stock_level_low_when_a_reservation_crosses_the_threshold(
    uow: InMemoryUnitOfWork, clock: FakeClock
) -> None:
    # Given MUG: 10 available, threshold 3
    # When 6 are reserved (available 4) and then 1 more (available 3)
    above = reserve_inventory(ReserveStock(ORDER, (Line("MUG-BLUE-350", 6),)), uow, clock)
    crossing = reserve_inventory(
        ReserveStock("ord_01JD7Q4K2M9U", (Line("MUG-BLUE-350", 1),)), uow, clock
    )
    below = reserve_inventory(
        ReserveStock("ord_01JD7Q4K2M9V", (Line("MUG-BLUE-350", 1),)), uow, clock
    )
    # Then only the crossing reservation raises StockLevelLow
    assert len(above) == 1
    assert crossing[1:] == (StockLevelLow("MUG-BLUE-350", 3, 3, "DUB-1"),)
    assert len(below) == 1
