"""The KPIs one can ask for as a time series, one value per window: their names, the dimension
each can be split by, and how each is read from a window's counters.

A metric is read either as a whole (``orders_placed``: one number per window) or split by one
dimension (``orders_placed`` by ``currency``: one number per currency per window). Revenue and
average order value exist per currency only: a sum across currencies means nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from . import counters as c
from .counters import Number
from .kpis import WindowKpis

Value = Number | float | None


class SeriesMetric(StrEnum):
    ORDERS_PLACED = "orders_placed"
    ORDERS_CONFIRMED = "orders_confirmed"
    ORDERS_CANCELLED = "orders_cancelled"
    REVENUE = "revenue"
    AVERAGE_ORDER_VALUE = "average_order_value"
    PAYMENT_DECLINE_RATE = "payment_decline_rate"
    PAYMENTS_DECLINED = "payments_declined"
    RESERVATION_REJECTION_RATE = "reservation_rejection_rate"
    RESERVATIONS_REJECTED = "reservations_rejected"
    SAGAS_FINISHED = "sagas_finished"
    SAGA_DURATION_P50 = "saga_duration_p50"
    SAGA_DURATION_P95 = "saga_duration_p95"
    SAGA_DURATION_P99 = "saga_duration_p99"
    COMPENSATIONS = "compensations"
    STOCK_LOW = "stock_low"
    EVENTS = "events"
    LATE_EVENTS = "late_events"
    VALUES_OVERFLOWED = "values_overflowed"


@dataclass(frozen=True)
class SeriesSpec:
    description: str
    whole: Callable[[WindowKpis], Value] | None  # None: only split by ``dimension``
    dimension: str | None = None
    split: Callable[[WindowKpis], Mapping[str, Value]] | None = None


def _count(counter: str) -> Callable[[WindowKpis], Value]:
    return lambda w: w.count(counter)


def _by(counter: str, dimension: str) -> Callable[[WindowKpis], Mapping[str, Value]]:
    return lambda w: w.by(counter, dimension)


def _counted(counter: str, dimension: str, description: str) -> SeriesSpec:
    return SeriesSpec(description, _count(counter), dimension, _by(counter, dimension))


def _duration(q: float) -> SeriesSpec:
    def split(w: WindowKpis) -> dict[str, Value]:
        outcomes = w.by(c.SAGAS_FINISHED, "outcome")
        return {outcome: w.saga_duration_ms(q, outcome) for outcome in outcomes}

    percent = round(q * 100)
    description = f"saga duration, {percent}th percentile, ms (DDSketch, 1% relative error)"
    return SeriesSpec(description, lambda w: w.saga_duration_ms(q), "outcome", split)


SERIES: Mapping[SeriesMetric, SeriesSpec] = {
    SeriesMetric.ORDERS_PLACED: _counted(c.ORDERS_PLACED, "currency", "orders placed"),
    SeriesMetric.ORDERS_CONFIRMED: _counted(c.ORDERS_CONFIRMED, "currency", "orders confirmed"),
    SeriesMetric.ORDERS_CANCELLED: _counted(c.ORDERS_CANCELLED, "reason", "orders cancelled"),
    SeriesMetric.REVENUE: SeriesSpec(
        "revenue of confirmed orders, per currency (decimal text)",
        None,
        "currency",
        lambda w: w.revenue(),
    ),
    SeriesMetric.AVERAGE_ORDER_VALUE: SeriesSpec(
        "average value of confirmed orders, per currency (decimal text)",
        None,
        "currency",
        lambda w: w.average_order_value(),
    ),
    SeriesMetric.PAYMENT_DECLINE_RATE: SeriesSpec(
        "payments declined / payments attempted (null without attempts)",
        lambda w: w.payment_decline_rate,
    ),
    SeriesMetric.PAYMENTS_DECLINED: _counted(c.PAYMENTS_DECLINED, "code", "payments declined"),
    SeriesMetric.RESERVATION_REJECTION_RATE: SeriesSpec(
        "reservations rejected / reservations attempted (null without attempts)",
        lambda w: w.reservation_rejection_rate,
    ),
    SeriesMetric.RESERVATIONS_REJECTED: _counted(
        c.RESERVATIONS_REJECTED, "reason", "reservations rejected"
    ),
    SeriesMetric.SAGAS_FINISHED: _counted(c.SAGAS_FINISHED, "outcome", "sagas finished"),
    SeriesMetric.SAGA_DURATION_P50: _duration(0.5),
    SeriesMetric.SAGA_DURATION_P95: _duration(0.95),
    SeriesMetric.SAGA_DURATION_P99: _duration(0.99),
    SeriesMetric.COMPENSATIONS: _counted(c.COMPENSATIONS, "step", "compensations run"),
    SeriesMetric.STOCK_LOW: _counted(c.STOCK_LOW, "warehouse", "stock-low events"),
    SeriesMetric.EVENTS: SeriesSpec(
        "events counted, by type (name@version)",
        lambda w: sum(w.events_by_type().values()),
        "type",
        lambda w: w.events_by_type(),
    ),
    SeriesMetric.LATE_EVENTS: SeriesSpec(
        "events that came after their window was final", _count(c.LATE_EVENTS)
    ),
    SeriesMetric.VALUES_OVERFLOWED: SeriesSpec(
        "events counted under __other__ because their window held as many values of the "
        "dimension as the cap allows, by dimension (payments_declined.code, ...)",
        lambda w: sum(w.values_overflowed().values()),
        "dimension",
        lambda w: w.values_overflowed(),
    ),
}
