"""The catalog stock is seeded from: one entry per SKU with its initial stock and threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inventory_service.domain.errors import InvalidValueError
from inventory_service.domain.stock import StockItem
from inventory_service.domain.values import check_non_negative, check_sku

MAX_WAREHOUSE_LENGTH = 64  # StockLevelLow.warehouse


@dataclass(frozen=True)
class CatalogEntry:
    sku: str
    on_hand: int
    threshold: int
    warehouse: str

    def new_stock_item(self) -> StockItem:
        return StockItem(
            sku=self.sku,
            on_hand=self.on_hand,
            reserved=0,
            threshold=self.threshold,
            warehouse=self.warehouse,
        )


def validate_catalog(entries: Sequence[CatalogEntry]) -> None:
    """Check every entry before anything is written; the error names the first bad field."""
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        path = f"items[{index}]"
        check_sku(entry.sku, f"{path}.sku")
        if entry.sku in seen:
            raise InvalidValueError(f"{path}.sku", f"{entry.sku} appears twice in the catalog")
        seen.add(entry.sku)
        check_non_negative(entry.on_hand, f"{path}.onHand")
        check_non_negative(entry.threshold, f"{path}.threshold")
        if not 1 <= len(entry.warehouse) <= MAX_WAREHOUSE_LENGTH:
            raise InvalidValueError(
                f"{path}.warehouse", f"must be 1-{MAX_WAREHOUSE_LENGTH} characters"
            )
