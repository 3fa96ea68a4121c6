"""A window's KPIs, read from its counters: counts, revenue and average order value per
currency, decline and rejection rates, saga duration percentiles (from the DDSketch buckets),
and the window's ``WindowTotals`` for the anomaly model. Amounts in currencies beyond the cap
(``cap.OTHER``) are revenue, but no average order value and no series of the anomaly model: a
sum over several currencies has no unit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from analytics_service.domain.anomaly import WindowTotals

from . import counters as c
from . import sketch
from .cap import OTHER
from .counters import Number
from .window import WindowKey

PERCENTILES = (0.5, 0.95, 0.99)


@dataclass(frozen=True)
class WindowKpis:
    window: WindowKey
    counters: Mapping[str, Number]

    def count(self, counter: str) -> int:
        return int(self.counters.get(counter, 0))

    def by(self, metric: str, dimension: str) -> dict[str, Number]:
        """``metric``'s counters with exactly ``dimension``, by that dimension's value."""
        found: dict[str, Number] = {}
        for counter, value in self.counters.items():
            name, dimensions = c.split(counter)
            if name == metric and list(dimensions) == [dimension]:
                found[dimensions[dimension]] = value
        return dict(sorted(found.items()))

    @property
    def orders_placed(self) -> int:
        return self.count(c.ORDERS_PLACED)

    @property
    def orders_confirmed(self) -> int:
        return self.count(c.ORDERS_CONFIRMED)

    @property
    def orders_cancelled(self) -> int:
        return self.count(c.ORDERS_CANCELLED)

    def revenue(self) -> dict[str, Decimal]:
        return {k: Decimal(v) for k, v in self.by(c.REVENUE, "currency").items()}

    def average_order_value(self) -> dict[str, Decimal]:
        confirmed = self.by(c.ORDERS_CONFIRMED, "currency")
        return {
            currency: amount / Decimal(confirmed[currency])
            for currency, amount in self.revenue().items()
            if confirmed.get(currency) and currency != OTHER
        }

    @property
    def payment_decline_rate(self) -> float | None:
        declined = self.count(c.PAYMENTS_DECLINED)
        return _rate(declined, declined + self.count(c.PAYMENTS_AUTHORIZED))

    @property
    def reservation_rejection_rate(self) -> float | None:
        rejected = self.count(c.RESERVATIONS_REJECTED)
        return _rate(rejected, rejected + self.count(c.RESERVATIONS_MADE))

    def saga_duration_ms(self, q: float, outcome: str | None = None) -> float | None:
        """The ``q`` quantile of saga durations ending in this window, within
        ``sketch.RELATIVE_ACCURACY`` of the exact one."""
        buckets: dict[int, int] = {}
        for counter, value in self.counters.items():
            name, dimensions = c.split(counter)
            if name == c.SAGA_DURATION and dimensions.get("outcome") == outcome:
                buckets[int(dimensions["bucket"])] = int(value)
        return sketch.quantile(buckets, q)

    def events_by_type(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.by(c.EVENTS, "type").items()}

    def values_overflowed(self) -> dict[str, int]:
        """By dimension (``payments_declined.code``): events whose value was counted under
        ``cap.OTHER``, the window holding as many of that dimension's values as the cap allows."""
        return {k: int(v) for k, v in self.by(c.VALUES_OVERFLOWED, "dimension").items()}

    @property
    def late_events(self) -> int:
        return self.count(c.LATE_EVENTS)

    @property
    def revised(self) -> bool:
        return self.count(c.REVISIONS) > 0

    def totals(self) -> WindowTotals:
        """The bridge to the anomaly model."""
        rejected = self.count(c.RESERVATIONS_REJECTED)
        declined = self.count(c.PAYMENTS_DECLINED)
        return WindowTotals(
            start=self.window.start,
            end=self.window.end,
            orders_placed=self.orders_placed,
            reservations_attempted=rejected + self.count(c.RESERVATIONS_MADE),
            reservations_rejected=rejected,
            payments_attempted=declined + self.count(c.PAYMENTS_AUTHORIZED),
            payments_declined=declined,
            orders_confirmed=self.orders_confirmed,
            orders_cancelled=self.orders_cancelled,
            revenue=self.revenue(),
            confirmed_by_currency={
                k: int(v) for k, v in self.by(c.ORDERS_CONFIRMED, "currency").items() if k != OTHER
            },
        )

    def kpis(self) -> dict[str, object]:
        """Every KPI of the window, as plain values (what an API or a dashboard shows)."""
        return {
            "orders_placed": self.orders_placed,
            "orders_confirmed": self.orders_confirmed,
            "orders_cancelled": self.orders_cancelled,
            "cancelled_by_reason": self.by(c.ORDERS_CANCELLED, "reason"),
            "revenue": self.revenue(),
            "average_order_value": self.average_order_value(),
            "payment_decline_rate": self.payment_decline_rate,
            "declines_by_code": self.by(c.PAYMENTS_DECLINED, "code"),
            "reservation_rejection_rate": self.reservation_rejection_rate,
            "saga_duration_ms": {
                f"p{round(q * 100)}": self.saga_duration_ms(q) for q in PERCENTILES
            },
            "compensations": self.by(c.COMPENSATIONS, "step"),
            "stock_low": self.by(c.STOCK_LOW, "warehouse"),
            "events_by_type": self.events_by_type(),
            "late_events": self.late_events,
            "revised": self.revised,
            "values_overflowed": self.values_overflowed(),
        }


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None
