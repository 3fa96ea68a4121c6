"""Stock queries and changes outside reservations: read a SKU, adjust it, seed the catalog."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from inventory_service.adapters.ports import UnitOfWork
from inventory_service.domain.catalog import CatalogEntry, validate_catalog
from inventory_service.domain.commands import AdjustStock
from inventory_service.domain.errors import UnknownSkuError
from inventory_service.domain.events import StockLevelLow
from inventory_service.domain.stock import StockItem, low_stock_signal
from inventory_service.service_layer.retry import DEFAULT_ATTEMPTS, with_retries


@dataclass(frozen=True)
class StockLevel:
    """What a SKU's stock looks like now."""

    sku: str
    on_hand: int
    reserved: int
    available: int
    threshold: int
    warehouse: str

    @classmethod
    def of(cls, item: StockItem) -> StockLevel:
        return cls(
            item.sku, item.on_hand, item.reserved, item.available, item.threshold, item.warehouse
        )


@dataclass(frozen=True)
class Adjusted:
    level: StockLevel
    signals: tuple[StockLevelLow, ...]


@dataclass(frozen=True)
class Seeded:
    created: tuple[str, ...]
    unchanged: tuple[str, ...]


def get_stock(sku: str, uow: UnitOfWork) -> StockLevel | None:
    """The SKU's stock level, or None if it was never seeded."""
    with uow:
        item = uow.get_stock(sku)
    return StockLevel.of(item) if item else None


def adjust_stock(
    command: AdjustStock, uow: UnitOfWork, attempts: int = DEFAULT_ATTEMPTS
) -> Adjusted:
    """Change on-hand stock; never below what is reserved (StockRuleError on the field)."""

    def attempt() -> Adjusted:
        with uow:
            before = uow.get_stock(command.sku)
            if before is None:
                raise UnknownSkuError("sku", f"{command.sku} is not in the catalog")
            on_hand = command.new_on_hand(before.on_hand)
            after = before.with_on_hand(on_hand, command.field)
            uow.save_stock(after)
            uow.commit()
        signal = low_stock_signal(before, after)
        return Adjusted(StockLevel.of(after), (signal,) if signal else ())

    return with_retries(attempt, attempts)


def seed_catalog(
    entries: Sequence[CatalogEntry], uow: UnitOfWork, attempts: int = DEFAULT_ATTEMPTS
) -> Seeded:
    """Create stock for catalog SKUs not seen before; existing SKUs are left as they are.

    Idempotent: seeding again never resets stock that was since reserved or adjusted (use
    adjust_stock for that). The whole catalog is validated before anything is written; each SKU
    is then created in its own unit of work (a catalog can be larger than one transaction).
    """
    validate_catalog(entries)
    created = [e.sku for e in entries if _create_if_absent(e, uow, attempts)]
    unchanged = [e.sku for e in entries if e.sku not in created]
    return Seeded(tuple(created), tuple(unchanged))


def _create_if_absent(entry: CatalogEntry, uow: UnitOfWork, attempts: int) -> bool:
    def attempt() -> bool:
        with uow:
            if uow.get_stock(entry.sku) is not None:
                return False
            uow.save_stock(entry.new_stock_item())
            uow.commit()
            return True

    return with_retries(attempt, attempts)
