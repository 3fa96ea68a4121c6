"""Get, adjust and seed stock."""

from __future__ import annotations

import pytest
from inventory_service.adapters.memory import FakeClock, InMemoryStore, InMemoryUnitOfWork
from inventory_service.domain.catalog import CatalogEntry
from inventory_service.domain.commands import AdjustStock, ReserveStock
from inventory_service.domain.errors import InvalidValueError, StockRuleError, UnknownSkuError
from inventory_service.domain.events import StockLevelLow
from inventory_service.domain.values import Line
from inventory_service.service_layer.reserve import reserve_inventory
from inventory_service.service_layer.stock import (
    StockLevel,
    adjust_stock,
    get_stock,
    seed_catalog,
)


def test_get_stock_of_a_seeded_and_an_unknown_sku(uow: InMemoryUnitOfWork) -> None:
    assert get_stock("TEA-EARLGREY-100G", uow) == StockLevel(
        "TEA-EARLGREY-100G", on_hand=5, reserved=0, available=5, threshold=2, warehouse="DUB-1"
    )
    assert get_stock("CANDLE-SOY-200G", uow) is None


def test_adjust_by_a_delta_and_to_a_value(uow: InMemoryUnitOfWork) -> None:
    up = adjust_stock(AdjustStock("MUG-BLUE-350", delta=5), uow)
    down = adjust_stock(AdjustStock("MUG-BLUE-350", set_to=4), uow)
    assert (up.level.on_hand, down.level.on_hand) == (15, 4)
    # Falling from 15 to 4 available does not cross threshold 3; nothing signalled
    assert down.signals == ()


def test_adjust_down_across_the_threshold_signals_low_stock(uow: InMemoryUnitOfWork) -> None:
    adjusted = adjust_stock(AdjustStock("MUG-BLUE-350", delta=-8), uow)
    assert adjusted.signals == (StockLevelLow("MUG-BLUE-350", 2, 3, "DUB-1"),)


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (AdjustStock("MUG-BLUE-350", delta=-5), "delta"),
        (AdjustStock("MUG-BLUE-350", set_to=5), "setTo"),
    ],
)
def test_adjust_never_below_reserved(
    command: AdjustStock,
    field: str,
    store: InMemoryStore,
    uow: InMemoryUnitOfWork,
    clock: FakeClock,
) -> None:
    # Given 6 of 10 MUG reserved
    reserve_inventory(ReserveStock("ord_01JD7Q4K2M9T", (Line("MUG-BLUE-350", 6),)), uow, clock)
    # When on hand would drop to 5 Then it is refused, naming the field, and nothing changes
    with pytest.raises(StockRuleError) as raised:
        adjust_stock(command, uow)
    assert raised.value.field == field
    assert store.stock["MUG-BLUE-350"].on_hand == 10


def test_adjust_an_unknown_sku(uow: InMemoryUnitOfWork) -> None:
    with pytest.raises(UnknownSkuError):
        adjust_stock(AdjustStock("CANDLE-SOY-200G", delta=1), uow)


def test_seeding_again_keeps_existing_stock_and_adds_new_skus(
    store: InMemoryStore, uow: InMemoryUnitOfWork
) -> None:
    # Given MUG adjusted after the first seeding
    adjust_stock(AdjustStock("MUG-BLUE-350", set_to=42), uow)
    # When the catalog, now with one more SKU, is seeded again
    catalog = [
        CatalogEntry("MUG-BLUE-350", 10, 3, "DUB-1"),
        CatalogEntry("CANDLE-SOY-200G", 8, 2, "DUB-1"),
    ]
    seeded = seed_catalog(catalog, uow)
    # Then only the new SKU is created, and MUG keeps its adjusted stock
    assert seeded.created == ("CANDLE-SOY-200G",)
    assert seeded.unchanged == ("MUG-BLUE-350",)
    assert store.stock["MUG-BLUE-350"].on_hand == 42
    assert store.stock["CANDLE-SOY-200G"].available == 8


def test_an_invalid_catalog_writes_nothing(store: InMemoryStore, uow: InMemoryUnitOfWork) -> None:
    catalog = [CatalogEntry("CANDLE-SOY-200G", 8, 2, "DUB-1"), CatalogEntry("x", 1, 0, "DUB-1")]
    with pytest.raises(InvalidValueError):
        seed_catalog(catalog, uow)
    assert "CANDLE-SOY-200G" not in store.stock
