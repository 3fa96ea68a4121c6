"""All-or-nothing allocation of an order's lines against current stock."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from inventory_service.domain.commands import ReserveStock
from inventory_service.domain.events import StockLevelLow
from inventory_service.domain.reservation import Rejection, Reservation
from inventory_service.domain.stock import StockItem, low_stock_signal
from inventory_service.domain.values import (
    MAX_LINE_QUANTITY,
    Line,
    RejectedLine,
    RejectionReason,
    reservation_id_for,
)

StockLookup = Callable[[str], StockItem | None]


@dataclass(frozen=True)
class Allocation:
    """What reserving decided: the outcome to record, the stock to write, the signals raised."""

    outcome: Reservation | Rejection
    stock: tuple[StockItem, ...] = ()
    signals: tuple[StockLevelLow, ...] = ()


def merge_lines(lines: Iterable[Line]) -> tuple[Line, ...]:
    """One line per SKU, in first-seen order; repeated SKUs have their quantities summed."""
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.sku] = totals.get(line.sku, 0) + line.quantity
    return tuple(Line(sku, quantity) for sku, quantity in totals.items())


def check_line(line: Line, item: StockItem | None) -> RejectedLine | None:
    """Why this line cannot be reserved from ``item``, or None if it can."""
    available = max(item.available, 0) if item else 0
    reason: RejectionReason | None = None
    if not 1 <= line.quantity <= MAX_LINE_QUANTITY:
        reason = RejectionReason.INVALID_QUANTITY
    elif item is None:
        reason = RejectionReason.UNKNOWN_SKU
    elif not item.can_reserve(line.quantity):
        reason = RejectionReason.INSUFFICIENT_STOCK
    if reason is None:
        return None
    return RejectedLine(line.sku, line.quantity, available, reason)


def allocate(command: ReserveStock, stock: StockLookup, now: datetime) -> Allocation:
    """Reserve every line or none: one line that cannot be reserved rejects the whole order."""
    lines = merge_lines(command.lines)
    items = {line.sku: stock(line.sku) for line in lines}
    rejected = tuple(
        r for r in (check_line(line, items[line.sku]) for line in lines) if r is not None
    )
    if rejected:
        return Allocation(Rejection(command.order_id, rejected))
    known = {sku: item for sku, item in items.items() if item is not None}
    changed: list[StockItem] = []
    signals: list[StockLevelLow] = []
    for line in lines:
        before = known[line.sku]
        after = before.reserve(line.quantity)
        changed.append(after)
        signal = low_stock_signal(before, after)
        if signal is not None:
            signals.append(signal)
    reservation = Reservation(
        order_id=command.order_id,
        reservation_id=reservation_id_for(command.order_id),
        lines=lines,
        expires_at=now + command.ttl,
    )
    return Allocation(reservation, tuple(changed), tuple(signals))
