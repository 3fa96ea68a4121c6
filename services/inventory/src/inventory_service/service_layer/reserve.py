"""ReserveInventory: reserve all lines of an order or none; a duplicate gets the same answer."""

from __future__ import annotations

from inventory_service.adapters.ports import Clock, UnitOfWork
from inventory_service.domain.allocation import allocate
from inventory_service.domain.commands import ReserveStock
from inventory_service.domain.events import DomainEvent
from inventory_service.domain.reservation import Withdrawal, outcome_event
from inventory_service.service_layer.retry import DEFAULT_ATTEMPTS, with_retries


def reserve_inventory(
    command: ReserveStock, uow: UnitOfWork, clock: Clock, attempts: int = DEFAULT_ATTEMPTS
) -> tuple[DomainEvent, ...]:
    """The reply (InventoryReserved or InventoryReservationRejected) first, then StockLevelLow.

    The outcome is recorded per order. A duplicate command (same order id, whatever its lines)
    changes nothing and returns the recorded reply again, without StockLevelLow: those were
    announced the first time. A command for an order the saga has already released (a
    Withdrawal) reserves nothing and returns no events: the step that sent it has ended.
    """

    def attempt() -> tuple[DomainEvent, ...]:
        with uow:
            recorded = uow.get_outcome(command.order_id)
            if recorded is not None:
                return () if isinstance(recorded, Withdrawal) else (outcome_event(recorded),)
            allocation = allocate(command, uow.get_stock, clock.now())
            for item in allocation.stock:
                uow.save_stock(item)
            uow.save_outcome(allocation.outcome)
            uow.commit()
            return (outcome_event(allocation.outcome), *allocation.signals)

    return with_retries(attempt, attempts)
