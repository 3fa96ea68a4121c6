"""The named queries' answers computed in plain Python from the generated events, as the query
files' descriptions say them (not from SQL): what the lake must agree with."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

Event = dict[str, Any]
Row = tuple[Any, ...]


def in_window(events: Iterable[Event], name: str, today: date, days: int) -> list[Event]:
    """The ``name`` events delivered (``time``'s day) from ``days`` days before ``today``."""
    since = (today - timedelta(days=days)).isoformat()
    return [e for e in events if e["detail-type"] == name and e["time"][:10] >= since]


def hour(text: str) -> datetime:
    moment = datetime.fromisoformat(text).astimezone(UTC)
    return moment.replace(minute=0, second=0, microsecond=0)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def data(event: Event) -> Any:
    return event["detail"]["data"]


def orders_per_hour(events: list[Event], today: date, days: int) -> list[Row]:
    counts = Counter(hour(e["time"]) for e in in_window(events, "OrderPlaced", today, days))
    return sorted(counts.items())


def saga_failure_reasons(events: list[Event], today: date, days: int) -> list[Row]:
    failed = in_window(events, "OrderSagaFailed", today, days)
    counts = Counter((data(e)["failedStep"], data(e)["reason"]["code"]) for e in failed)
    return sorted(((s, r, n) for (s, r), n in counts.items()), key=lambda x: (-x[2], x[0], x[1]))


def _per_day_and_currency(events: list[Event], today: date, days: int) -> dict[Row, list[Decimal]]:
    totals: dict[Row, list[Decimal]] = defaultdict(list)
    for e in in_window(events, "OrderConfirmed", today, days):
        totals[e["time"][:10], data(e)["total"]["currency"]].append(
            Decimal(data(e)["total"]["amount"])
        )
    return totals


def revenue_by_currency(events: list[Event], today: date, days: int) -> list[Row]:
    totals = _per_day_and_currency(events, today, days)
    return [(d, c, sum(v), len(v)) for (d, c), v in sorted(totals.items())]


def average_order_value(events: list[Event], today: date, days: int) -> list[Row]:
    """(day, currency, orders, revenue, exact mean): the query rounds the mean to cents."""
    totals = _per_day_and_currency(events, today, days)
    return [(d, c, len(v), sum(v), sum(v) / len(v)) for (d, c), v in sorted(totals.items())]


def order_funnel_per_hour(events: list[Event], today: date, days: int) -> list[Row]:
    placed_at: dict[str, datetime] = {}
    for e in in_window(events, "OrderPlaced", today, days):
        at = moment(e["time"])
        placed_at[data(e)["orderId"]] = min(at, placed_at.get(data(e)["orderId"], at))
    confirmed = {data(e)["orderId"] for e in in_window(events, "OrderConfirmed", today, days)}
    funnel: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
    for order, at in placed_at.items():
        bucket = funnel[at.replace(minute=0, second=0, microsecond=0)]
        bucket[0] += 1
        bucket[1] += order in confirmed
    return [(h, p, c, c / p) for h, (p, c) in sorted(funnel.items())]


def _lines(events: list[Event], today: date, days: int) -> list[Any]:
    return [
        line for e in in_window(events, "OrderPlaced", today, days) for line in data(e)["lines"]
    ]


def _ranked(totals: dict[str, Any], top: int, row: Callable[[str], Row]) -> list[Row]:
    """SKUs ranked by their total, highest first (ties share a rank), the first ``top`` ranks."""
    ranked = []
    for sku, total in totals.items():
        rank = 1 + sum(1 for other in totals.values() if other > total)
        if rank <= top:
            ranked.append((rank, sku, *row(sku)))
    return sorted(ranked)


def top_skus_by_units(events: list[Event], today: date, days: int, top: int) -> list[Row]:
    units: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    for line in _lines(events, today, days):
        units[line["sku"]] += line["quantity"]
        lines[line["sku"]] += 1
    return _ranked(dict(units), top, lambda sku: (units[sku], lines[sku]))


def top_skus_by_revenue(
    events: list[Event], today: date, days: int, currency: str, top: int
) -> list[Row]:
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    units: Counter[str] = Counter()
    for line in _lines(events, today, days):
        if line["unitPrice"]["currency"] == currency:
            revenue[line["sku"]] += line["quantity"] * Decimal(line["unitPrice"]["amount"])
            units[line["sku"]] += line["quantity"]
    return _ranked(dict(revenue), top, lambda sku: (revenue[sku], units[sku]))


def nearest_rank(values: list[int], share: float) -> int:
    """The nearest-rank percentile: the least value with at least ``share`` of them at or below."""
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


def saga_duration_percentiles(events: list[Event], today: date, days: int) -> list[Row]:
    placed: dict[str, datetime] = {}
    ended: dict[str, tuple[str, datetime]] = {}
    for name, outcome in (("OrderSagaSucceeded", "succeeded"), ("OrderSagaFailed", "failed")):
        for e in in_window(events, name, today, days):
            ended[e["detail"]["metadata"]["correlationId"]] = (
                outcome,
                moment(e["detail"]["metadata"]["occurredAt"]),
            )
    for e in in_window(events, "OrderPlaced", today, days):
        placed[e["detail"]["metadata"]["correlationId"]] = moment(
            e["detail"]["metadata"]["occurredAt"]
        )
    durations: dict[str, list[int]] = defaultdict(list)
    for saga, (outcome, end) in ended.items():
        if saga in placed:
            durations[outcome].append((end - placed[saga]) // timedelta(milliseconds=1))
    return [
        (
            outcome,
            len(ms),
            nearest_rank(ms, 0.5),
            nearest_rank(ms, 0.9),
            nearest_rank(ms, 0.99),
            max(ms),
        )
        for outcome, ms in sorted(durations.items())
    ]


def compensations_by_reason(events: list[Event], today: date, days: int) -> list[Row]:
    counts = Counter(
        (data(e)["reason"]["code"], c["step"], c["status"])
        for e in in_window(events, "OrderSagaFailed", today, days)
        for c in data(e)["compensations"]
    )
    return sorted(((*k, n) for k, n in counts.items()), key=lambda r: (-r[3], r[0], r[1], r[2]))


def decline_codes_per_hour(events: list[Event], today: date, days: int) -> list[Row]:
    declines: Counter[Row] = Counter()
    retryable: Counter[Row] = Counter()
    for e in in_window(events, "PaymentDeclined", today, days):
        key = (hour(e["time"]), data(e)["declineCode"])
        declines[key] += 1
        retryable[key] += data(e)["retryable"]
    return [(h, c, n, retryable[h, c]) for (h, c), n in sorted(declines.items())]
