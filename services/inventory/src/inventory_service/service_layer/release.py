"""ReleaseInventory and reservation expiry: give reserved stock back exactly once."""

from __future__ import annotations

from datetime import datetime

from inventory_service.adapters.ports import UnitOfWork
from inventory_service.domain.commands import ReleaseStock
from inventory_service.domain.errors import ReservationNotFoundError, StockRuleError
from inventory_service.domain.events import InventoryReleased
from inventory_service.domain.reservation import Outcome, Reservation, Withdrawal
from inventory_service.domain.values import ReleaseReason, reservation_id_for
from inventory_service.service_layer.retry import DEFAULT_ATTEMPTS, with_retries

DEFAULT_EXPIRY_BATCH = 100


def release_inventory(
    command: ReleaseStock, uow: UnitOfWork, attempts: int = DEFAULT_ATTEMPTS
) -> InventoryReleased:
    """The reply to ReleaseInventory; releasing is idempotent.

    An active reservation is released with the command's reason and its stock returned. One
    already released or expired changes nothing and gets the same InventoryReleased again, with
    the reason it actually ended for (RESERVATION_EXPIRED if it lapsed first), so the saga always
    gets its reply and stock is never returned twice.

    A saga compensation for an order with no outcome yet (its ReserveInventory is still on the
    way: the saga stopped waiting for the reply) records a Withdrawal, so that the late command
    reserves nothing, and replies InventoryReleased with the lines the command names. Whichever
    of the two commands arrives first, nothing stays held. Any other unknown reservation (or one
    of another order) raises ReservationNotFoundError: the contract has no event for it.
    """

    def attempt() -> InventoryReleased:
        with uow:
            recorded = uow.get_outcome(command.order_id)
            if recorded is None and _withdraws(command):
                withdrawal = Withdrawal(command.order_id, command.reservation_id, command.lines)
                uow.save_outcome(withdrawal)
                uow.commit()
                return withdrawal.released_event()
            if isinstance(recorded, Withdrawal):
                return recorded.released_event()
            reservation = _find(command, recorded)
            if not reservation.is_active:
                return reservation.released_event()
            return _end(uow, reservation, command.reason)

    return with_retries(attempt, attempts)


def expire_due_reservations(
    uow: UnitOfWork,
    now: datetime,
    limit: int = DEFAULT_EXPIRY_BATCH,
    attempts: int = DEFAULT_ATTEMPTS,
) -> tuple[InventoryReleased, ...]:
    """Expire active reservations due at ``now``: their stock goes back to available.

    Each reservation is expired in its own unit of work; one the saga releases meanwhile is
    skipped (the retry sees it is no longer active).
    """
    with uow:
        due = uow.due_reservations(now, limit)
    released = (_expire_one(uow, r.order_id, now, attempts) for r in due)
    return tuple(event for event in released if event is not None)


def _expire_one(
    uow: UnitOfWork, order_id: str, now: datetime, attempts: int
) -> InventoryReleased | None:
    def attempt() -> InventoryReleased | None:
        with uow:
            reservation = uow.get_outcome(order_id)
            if not isinstance(reservation, Reservation) or not reservation.is_due(now):
                return None
            return _end(uow, reservation, ReleaseReason.RESERVATION_EXPIRED)

    return with_retries(attempt, attempts)


def _withdraws(command: ReleaseStock) -> bool:
    """Can the command stand in for a reservation that has not been made yet?"""
    return (
        command.reason is ReleaseReason.SAGA_COMPENSATION
        and bool(command.lines)
        and command.reservation_id == reservation_id_for(command.order_id)
    )


def _find(command: ReleaseStock, outcome: Outcome | None) -> Reservation:
    if not isinstance(outcome, Reservation) or outcome.reservation_id != command.reservation_id:
        raise ReservationNotFoundError(
            "reservationId", f"no reservation {command.reservation_id} for {command.order_id}"
        )
    return outcome


def _end(uow: UnitOfWork, reservation: Reservation, reason: ReleaseReason) -> InventoryReleased:
    """Return the reservation's stock, record how it ended, commit; the event says so."""
    for line in reservation.lines:
        item = uow.get_stock(line.sku)
        if item is None:
            raise StockRuleError("lines", f"reserved SKU {line.sku} has no stock record")
        uow.save_stock(item.release(line.quantity))
    ended = reservation.release(reason)
    uow.save_outcome(ended)
    uow.commit()
    return ended.released_event()
