"""Domain events: facts the inventory service announces, named as the contracts name them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from inventory_service.domain.values import Line, RejectedLine, RejectionReason, ReleaseReason


@dataclass(frozen=True)
class InventoryReserved:
    order_id: str
    reservation_id: str
    lines: tuple[Line, ...]
    expires_at: datetime


@dataclass(frozen=True)
class InventoryReservationRejected:
    """Nothing was reserved. ``reason`` is the reason of the first rejected line."""

    order_id: str
    reason: RejectionReason
    rejected_lines: tuple[RejectedLine, ...]


@dataclass(frozen=True)
class InventoryReleased:
    order_id: str
    reservation_id: str
    lines: tuple[Line, ...]
    reason: ReleaseReason


@dataclass(frozen=True)
class StockLevelLow:
    sku: str
    available: int
    threshold: int
    warehouse: str


DomainEvent: TypeAlias = (
    InventoryReserved | InventoryReservationRejected | InventoryReleased | StockLevelLow
)
