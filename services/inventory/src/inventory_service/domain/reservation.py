"""An order's reservation outcome: a Reservation (stock held), a Rejection (nothing held) or a
Withdrawal (released before it was reserved: nothing held, and nothing ever will be).

One outcome per order. It is stored, so a duplicate ReserveInventory gets the recorded answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TypeAlias

from inventory_service.domain.errors import StockRuleError
from inventory_service.domain.events import (
    InventoryReleased,
    InventoryReservationRejected,
    InventoryReserved,
)
from inventory_service.domain.values import Line, RejectedLine, ReleaseReason


class ReservationStatus(StrEnum):
    ACTIVE = "ACTIVE"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True)
class Reservation:
    """Stock held for an order until it is released or expires.

    ``version`` works as on StockItem: the version read, 0 for a reservation not stored yet.
    """

    order_id: str
    reservation_id: str
    lines: tuple[Line, ...]
    expires_at: datetime
    status: ReservationStatus = ReservationStatus.ACTIVE
    end_reason: ReleaseReason | None = None
    version: int = 0

    @property
    def is_active(self) -> bool:
        return self.status is ReservationStatus.ACTIVE

    def is_due(self, now: datetime) -> bool:
        return self.is_active and self.expires_at <= now

    def release(self, reason: ReleaseReason) -> Reservation:
        if not self.is_active:
            raise StockRuleError("reservationId", f"{self.reservation_id} is {self.status}")
        status = (
            ReservationStatus.EXPIRED
            if reason is ReleaseReason.RESERVATION_EXPIRED
            else ReservationStatus.RELEASED
        )
        return replace(self, status=status, end_reason=reason)

    def reserved_event(self) -> InventoryReserved:
        return InventoryReserved(self.order_id, self.reservation_id, self.lines, self.expires_at)

    def released_event(self) -> InventoryReleased:
        if self.end_reason is None:
            raise StockRuleError("reservationId", f"{self.reservation_id} is still active")
        return InventoryReleased(self.order_id, self.reservation_id, self.lines, self.end_reason)


@dataclass(frozen=True)
class Rejection:
    """Nothing was reserved for the order; ``rejected_lines`` says which lines and why."""

    order_id: str
    rejected_lines: tuple[RejectedLine, ...]
    version: int = 0

    def rejected_event(self) -> InventoryReservationRejected:
        return InventoryReservationRejected(
            order_id=self.order_id,
            reason=self.rejected_lines[0].reason,
            rejected_lines=self.rejected_lines,
        )


@dataclass(frozen=True)
class Withdrawal:
    """The saga released the order before its ReserveInventory was handled.

    The saga stopped waiting for the reservation's reply and compensated; a ReserveInventory that
    arrives afterwards finds this record and reserves nothing. ``lines`` are the order's lines as
    the release named them: none of them was, or will be, taken from stock.
    """

    order_id: str
    reservation_id: str
    lines: tuple[Line, ...]
    version: int = 0

    def released_event(self) -> InventoryReleased:
        return InventoryReleased(
            self.order_id, self.reservation_id, self.lines, ReleaseReason.SAGA_COMPENSATION
        )


Outcome: TypeAlias = Reservation | Rejection | Withdrawal


def outcome_event(
    outcome: Reservation | Rejection,
) -> InventoryReserved | InventoryReservationRejected:
    """The reply ReserveInventory got (and gets again on duplicate delivery).

    A Withdrawal has none: the saga step that sent the command had ended before it was handled.
    """
    if isinstance(outcome, Rejection):
        return outcome.rejected_event()
    return outcome.reserved_event()
