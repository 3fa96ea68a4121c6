"""Domain rules of a SKU's stock and when StockLevelLow is raised."""

from __future__ import annotations

import pytest
from inventory_service.domain.errors import StockRuleError
from inventory_service.domain.events import StockLevelLow
from inventory_service.domain.stock import StockItem, low_stock_signal


def item(on_hand: int = 10, reserved: int = 0, threshold: int = 3) -> StockItem:
    return StockItem("MUG-BLUE-350", on_hand, reserved, threshold, "DUB-1", version=4)


def test_available_is_on_hand_minus_reserved() -> None:
    assert item(on_hand=10, reserved=4).available == 6


def test_reserving_holds_stock_and_keeps_the_version_read() -> None:
    # Given 10 on hand, When 4 are reserved
    after = item().reserve(4)
    # Then 4 are reserved, 6 available, and the version is still the one read
    assert (after.reserved, after.available, after.version) == (4, 6, 4)


def test_reserving_more_than_available_is_refused() -> None:
    with pytest.raises(StockRuleError, match="3 available"):
        item(on_hand=5, reserved=2).reserve(4)


def test_releasing_more_than_reserved_is_refused() -> None:
    with pytest.raises(StockRuleError) as raised:
        item(reserved=1).release(2)
    assert raised.value.field == "quantity"


def test_on_hand_never_goes_below_reserved() -> None:
    with pytest.raises(StockRuleError) as raised:
        item(on_hand=10, reserved=6).with_on_hand(5, "delta")
    assert raised.value.field == "delta"
    assert item(on_hand=10, reserved=6).with_on_hand(6, "delta").available == 0


def test_low_stock_when_available_crosses_the_threshold() -> None:
    # Given available 5 above threshold 3, When it falls to 3
    signal = low_stock_signal(item(), item(reserved=7))
    # Then StockLevelLow says so, with the warehouse
    assert signal == StockLevelLow("MUG-BLUE-350", available=3, threshold=3, warehouse="DUB-1")


def test_no_low_stock_while_already_below_the_threshold() -> None:
    assert low_stock_signal(item(reserved=8), item(reserved=9)) is None


def test_low_stock_again_when_selling_out_below_the_threshold() -> None:
    signal = low_stock_signal(item(reserved=8), item(reserved=10))
    assert signal is not None
    assert signal.available == 0


def test_no_low_stock_when_staying_above_or_going_up() -> None:
    assert low_stock_signal(item(), item(reserved=6)) is None
    assert low_stock_signal(item(reserved=9), item(reserved=5)) is None
    assert low_stock_signal(item(on_hand=10, reserved=10), item(on_hand=0, reserved=0)) is None
