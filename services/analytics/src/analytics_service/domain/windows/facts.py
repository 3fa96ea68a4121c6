"""What one event adds to the window of its event time: the counting rule of each event kind.

An event is read into a ``Fact``: its id (to count it once), its type, its event time, its
correlation id (an order's saga) and the counters it adds. OrderPlaced starts a saga and
OrderSagaSucceeded / OrderSagaFailed end it: the duration between the two is added to the
window of the outcome once both are known, whichever arrives first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from . import counters as c
from .counters import Number

Counts = tuple[tuple[str, Number], ...]


class SagaMark(StrEnum):
    STARTED = "started"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Fact:
    event_id: str
    event_type: str  # "OrderPlaced@2"
    occurred_at: datetime
    correlation_id: str
    counts: Counts = ()
    saga: SagaMark | None = None

    def all_counts(self) -> Counts:
        return ((c.name(c.EVENTS, type=self.event_type), 1), *self.counts)


def _with(metric: str, key: str, value: str) -> Counts:
    return ((metric, 1), (c.name(metric, **{key: value}), 1))


def order_placed(currency: str) -> Counts:
    return _with(c.ORDERS_PLACED, "currency", currency)


def order_confirmed(total: Decimal, currency: str) -> Counts:
    return (
        *_with(c.ORDERS_CONFIRMED, "currency", currency),
        (c.name(c.REVENUE, currency=currency), total),
    )


def order_cancelled(reason: str) -> Counts:
    return _with(c.ORDERS_CANCELLED, "reason", reason)


def payment_authorized() -> Counts:
    return ((c.PAYMENTS_AUTHORIZED, 1),)


def payment_declined(code: str) -> Counts:
    return _with(c.PAYMENTS_DECLINED, "code", code)


def reservation_made() -> Counts:
    return ((c.RESERVATIONS_MADE, 1),)


def reservation_rejected(reason: str) -> Counts:
    return _with(c.RESERVATIONS_REJECTED, "reason", reason)


def saga_finished(outcome: SagaMark) -> Counts:
    return _with(c.SAGAS_FINISHED, "outcome", outcome.value)


def compensation(step: str) -> Counts:
    return _with(c.COMPENSATIONS, "step", step)


def stock_low(warehouse: str) -> Counts:
    return _with(c.STOCK_LOW, "warehouse", warehouse)
