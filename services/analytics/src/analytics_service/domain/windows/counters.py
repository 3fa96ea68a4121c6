"""What a window holds: named counters, each a number that only ever grows by addition.

Every KPI of a window is computed from its counters, and every counter is a sum over the
window's events, so a rollup is the sum of its minutes and a store can apply a batch with
atomic additions. A counter's name is a metric, optionally with one dimension:
``orders_cancelled`` overall, ``orders_cancelled|reason=PAYMENT_DECLINED`` for one reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

Number = int | Decimal
Counters = dict[str, Number]

EVENTS = "events"  # by type: events|type=OrderPlaced@2
ORDERS_PLACED = "orders_placed"  # and |currency=
ORDERS_CONFIRMED = "orders_confirmed"  # and |currency=
REVENUE = "revenue"  # |currency= only: confirmed orders' totals
ORDERS_CANCELLED = "orders_cancelled"  # and |reason=
PAYMENTS_AUTHORIZED = "payments_authorized"
PAYMENTS_DECLINED = "payments_declined"  # and |code=
RESERVATIONS_MADE = "reservations_made"
RESERVATIONS_REJECTED = "reservations_rejected"  # and |reason=
SAGAS_FINISHED = "sagas_finished"  # and |outcome=
SAGA_DURATION = "saga_duration_ms"  # |bucket=<DDSketch bucket>, and |outcome=..;bucket=..
COMPENSATIONS = "compensations"  # and |step=
STOCK_LOW = "stock_low"  # and |warehouse=
LATE_EVENTS = "late_events"  # arrived after the window was final: left to the lake
REVISIONS = "revisions"  # events counted after the stream had moved past the window
# |dimension=payments_declined.code: values counted under ``cap.OTHER``, beyond the cap
VALUES_OVERFLOWED = "values_overflowed"


def name(metric: str, **dimension: str) -> str:
    """``metric`` or ``metric|key=value`` (one dimension; ``;`` joins a second)."""
    if not dimension:
        return metric
    return metric + "|" + ";".join(f"{k}={v}" for k, v in dimension.items())


def split(counter: str) -> tuple[str, dict[str, str]]:
    metric, _, rest = counter.partition("|")
    if not rest:
        return metric, {}
    return metric, dict(part.split("=", 1) for part in rest.split(";"))


def add(into: Counters, counts: Iterable[tuple[str, Number]]) -> None:
    for key, value in counts:
        into[key] = into.get(key, 0) + value


def merged(many: Iterable[Mapping[str, Number]]) -> Counters:
    total: Counters = {}
    for counters in many:
        add(total, counters.items())
    return total
