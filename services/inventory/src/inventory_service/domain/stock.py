"""A SKU's stock: on hand, reserved, and the rules that keep ``0 <= reserved <= on_hand``."""

from __future__ import annotations

from dataclasses import dataclass, replace

from inventory_service.domain.errors import StockRuleError
from inventory_service.domain.events import StockLevelLow


@dataclass(frozen=True)
class StockItem:
    """Stock of one SKU in one warehouse.

    ``version`` is the storage version the item was read at (0: not stored yet). Changes return a
    new item with the same version; the unit of work writes it only if storage still holds that
    version, and stores it as ``version + 1``. That is what prevents oversell under concurrency.
    """

    sku: str
    on_hand: int
    reserved: int
    threshold: int
    warehouse: str
    version: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def can_reserve(self, quantity: int) -> bool:
        return 0 < quantity <= self.available

    def reserve(self, quantity: int) -> StockItem:
        if not self.can_reserve(quantity):
            raise StockRuleError(
                "quantity", f"cannot reserve {quantity} of {self.sku}: {self.available} available"
            )
        return replace(self, reserved=self.reserved + quantity)

    def release(self, quantity: int) -> StockItem:
        if not 0 < quantity <= self.reserved:
            raise StockRuleError(
                "quantity", f"cannot release {quantity} of {self.sku}: {self.reserved} reserved"
            )
        return replace(self, reserved=self.reserved - quantity)

    def with_on_hand(self, on_hand: int, field: str) -> StockItem:
        if on_hand < self.reserved:
            raise StockRuleError(
                field, f"on hand would be {on_hand}, below the {self.reserved} reserved"
            )
        return replace(self, on_hand=on_hand)


def low_stock_signal(before: StockItem, after: StockItem) -> StockLevelLow | None:
    """StockLevelLow when a change takes available stock down across a line that matters.

    The contract says the event means available stock "fell to or below its reorder threshold":
    a transition, not a state. So it is emitted when available goes from above the threshold to
    at or below it, and once more when it then reaches zero (sold out, the out-of-stock example
    of the contract). Further reservations while already below the threshold emit nothing;
    available stock going up (release, expiry, restock) never emits. Once stock climbs back above
    the threshold, the next fall emits again.
    """
    if after.available >= before.available:
        return None
    crossed = before.available > after.threshold >= after.available
    sold_out = before.available > 0 and after.available == 0
    if not (crossed or sold_out):
        return None
    return StockLevelLow(
        sku=after.sku,
        available=after.available,
        threshold=after.threshold,
        warehouse=after.warehouse,
    )
