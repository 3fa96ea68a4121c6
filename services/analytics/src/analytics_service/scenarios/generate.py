"""Seeded scenarios: one-minute windows of normal traffic (a daily shape, drift and noise, with
the counts behind every rate) and labelled incidents, each with a start, an end and the series
it affects.

Each order placed in a window is, in that window, rejected at reservation, declined at payment,
cancelled by the customer or confirmed, in that order; a confirmed order has a log-normal value
in its currency. Traffic follows a daily curve (a trough near 04:00, peaks at lunch and in the
evening), a drift over days and a random walk, and each minute's intensity is jittered, so counts
are noisier than Poisson, as real ones are.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from analytics_service.domain.anomaly import Metric, SeriesKey, WindowTotals

from .sampling import binomial, lognormal_sum, poisson

MINUTE = timedelta(minutes=1)
CENTS = Decimal("0.01")


class IncidentKind(StrEnum):
    PAYMENT_OUTAGE = "payment-outage"  # the provider declines most payments
    TRAFFIC_DROP = "traffic-drop"  # fewer orders arrive (a broken page, a DNS failure)
    TRAFFIC_SURGE = "traffic-surge"  # many more orders (a flash sale, a bot)
    ORDER_VALUE_JUMP = "order-value-jump"  # order values in one currency jump (a pricing error)
    STOCK_OUT = "stock-out"  # reservations rejected for a wave of out-of-stock items


@dataclass(frozen=True)
class Incident:
    kind: IncidentKind
    start: datetime  # first window affected
    end: datetime  # first window after it
    magnitude: float  # the rate it sets, or the factor it multiplies by
    affects: frozenset[SeriesKey]
    currency: str | None = None


@dataclass(frozen=True, kw_only=True)
class Traffic:
    """The normal business; the defaults are a mid-sized shop (about 2,900 events a minute at
    the evening peak, seven events an order)."""

    peak_orders_per_minute: float = 400.0
    trough: float = 0.15  # the night's share of the peak
    currencies: tuple[tuple[str, float, float], ...] = (  # currency, share of orders, mean value
        ("EUR", 0.55, 62.0),
        ("USD", 0.35, 71.0),
        ("GBP", 0.10, 55.0),
    )
    value_sigma: float = 0.5  # log-spread of one order's value
    decline_rate: float = 0.04
    rejection_rate: float = 0.015
    customer_cancel_rate: float = 0.01
    jitter: float = 0.04  # log-spread of each minute's traffic intensity
    rate_jitter: float = 0.10  # log-spread of each minute's rates
    drift_per_day: float = 0.10  # largest drift of traffic per day, either way
    walk: float = 0.002  # random walk of traffic and rates per minute (log)


@dataclass(frozen=True)
class Scenario:
    seed: int
    start: datetime
    warmup_days: int
    windows: list[WindowTotals]
    incidents: list[Incident]
    # Windows looked at while open (``looks`` per minute, evenly spaced): the part gone and what
    # it held, drawn from the same minute's traffic, by the window's start.
    partials: dict[datetime, list[tuple[float, WindowTotals]]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class IncidentPlan:
    per_day: int = 6
    min_gap: timedelta = timedelta(hours=1)  # between one incident's end and the next's start
    durations: dict[IncidentKind, tuple[int, int]] = field(
        default_factory=lambda: {  # minutes, at least and at most
            IncidentKind.PAYMENT_OUTAGE: (10, 90),
            IncidentKind.TRAFFIC_DROP: (10, 60),
            IncidentKind.TRAFFIC_SURGE: (10, 60),
            IncidentKind.ORDER_VALUE_JUMP: (20, 120),
            IncidentKind.STOCK_OUT: (20, 120),
        }
    )


def generate(  # noqa: PLR0913 - the seed, the length and keyword-only knobs
    seed: int,
    days: int,
    *,
    warmup_days: int = 1,
    traffic: Traffic | None = None,
    plan: IncidentPlan | None = None,
    start: datetime = datetime(2026, 11, 2, tzinfo=UTC),
    looks: int = 0,
) -> Scenario:
    """``days`` days of windows from midnight ``start``; incidents only after the warm-up; with
    ``looks``, that many looks at each window while it is open."""
    traffic, plan = traffic or Traffic(), plan or IncidentPlan()
    rng = random.Random(seed)  # noqa: S311 - a repeatable scenario, not a secret
    incidents = _incidents(
        rng, traffic, plan, start + timedelta(days=warmup_days), days - warmup_days
    )
    # The looks draw from their own generator: a scenario's windows are the same with or without.
    look_rng = random.Random(f"looks-{seed}")  # noqa: S311 - a repeatable scenario, not a secret
    fractions = [i / (looks + 1) for i in range(1, looks + 1)]
    drawn = list(_windows(rng, traffic, incidents, start, days * 1440, (look_rng, fractions)))
    windows = [window for window, _ in drawn]
    partials = {window.start: found for window, found in drawn if found}
    return Scenario(seed, start, warmup_days, windows, incidents, partials)


def _incidents(
    rng: random.Random, traffic: Traffic, plan: IncidentPlan, first: datetime, days: int
) -> list[Incident]:
    kinds = list(IncidentKind)
    count = plan.per_day * days
    order = [kinds[i % len(kinds)] for i in range(count)]
    rng.shuffle(order)
    span = timedelta(days=days) / max(count, 1)  # one incident per slot, somewhere in it
    incidents = []
    for index, kind in enumerate(order):
        low, high = plan.durations[kind]
        duration = timedelta(minutes=rng.randint(low, high))
        room = span - duration - plan.min_gap
        offset = timedelta(minutes=rng.randrange(max(int(room / MINUTE), 1)))
        begin = first + span * index + offset
        incidents.append(_incident(rng, traffic, kind, begin, begin + duration))
    return incidents


def _incident(
    rng: random.Random, traffic: Traffic, kind: IncidentKind, start: datetime, end: datetime
) -> Incident:
    orders = SeriesKey(Metric.ORDERS_PER_MINUTE)
    cancellations = SeriesKey(Metric.CANCELLATION_RATE)
    if kind is IncidentKind.PAYMENT_OUTAGE:
        affects = {SeriesKey(Metric.PAYMENT_DECLINE_RATE), cancellations}
        return Incident(kind, start, end, rng.uniform(0.15, 0.85), frozenset(affects))
    if kind is IncidentKind.TRAFFIC_DROP:
        return Incident(kind, start, end, rng.uniform(0.3, 0.7), frozenset({orders}))
    if kind is IncidentKind.TRAFFIC_SURGE:
        return Incident(kind, start, end, rng.uniform(1.5, 3.0), frozenset({orders}))
    if kind is IncidentKind.STOCK_OUT:
        affects = {SeriesKey(Metric.RESERVATION_REJECTION_RATE), cancellations}
        return Incident(kind, start, end, rng.uniform(0.1, 0.5), frozenset(affects))
    currency = rng.choice([code for code, share, _ in traffic.currencies if share >= 0.3])  # noqa: PLR2004
    factor = rng.uniform(1.3, 2.2) if rng.random() < 0.5 else rng.uniform(0.4, 0.75)  # noqa: PLR2004
    key = SeriesKey.of(Metric.AVERAGE_ORDER_VALUE, currency=currency)
    return Incident(kind, start, end, factor, frozenset({key}), currency)


def daily_shape(minute: float, trough: float) -> float:
    """Traffic at this minute of the day as a share of the peak: lunch and evening peaks."""
    hours = minute / 60.0

    def bump(centre: float, width: float) -> float:
        distance = min(abs(hours - centre), 24 - abs(hours - centre))
        return math.exp(-distance * distance / (2 * width * width))

    raw = 0.55 * bump(12.5, 2.2) + 1.0 * bump(20.5, 2.0) + 0.35 * bump(16.0, 3.5)
    return trough + (1 - trough) * min(raw / 1.07, 1.0)


@dataclass
class _State:
    """The slowly moving parts of normal traffic: log-levels that drift and walk."""

    traffic: float = 0.0
    decline: float = 0.0
    rejection: float = 0.0
    value: dict[str, float] = field(default_factory=dict)


def _windows(
    rng: random.Random,
    traffic: Traffic,
    incidents: list[Incident],
    start: datetime,
    count: int,
    looks: tuple[random.Random, list[float]],
) -> Iterator[tuple[WindowTotals, list[tuple[float, WindowTotals]]]]:
    look_rng, fractions = looks
    state = _State(value={code: 0.0 for code, _, _ in traffic.currencies})
    drift = rng.uniform(-traffic.drift_per_day, traffic.drift_per_day) / 1440
    for index in range(count):
        at = start + MINUTE * index
        active = [i for i in incidents if i.start <= at < i.end]
        state.traffic += drift + rng.gauss(0, traffic.walk)
        state.decline += rng.gauss(0, traffic.walk) - 0.001 * state.decline
        state.rejection += rng.gauss(0, traffic.walk) - 0.001 * state.rejection
        for code in state.value:
            state.value[code] += rng.gauss(0, traffic.walk / 2) - 0.001 * state.value[code]
        shape = daily_shape(float(index % 1440), traffic.trough)
        rate = traffic.peak_orders_per_minute * shape * math.exp(state.traffic)
        rate *= math.exp(rng.gauss(0, traffic.jitter))
        decline = traffic.decline_rate * (1.6 - 0.6 * shape) * _jitter(rng, traffic, state.decline)
        rejection = traffic.rejection_rate * _jitter(rng, traffic, state.rejection)
        values = {code: mean * math.exp(state.value[code]) for code, _, mean in traffic.currencies}
        for incident in active:
            if incident.kind is IncidentKind.PAYMENT_OUTAGE:
                decline = max(decline, incident.magnitude)
            elif incident.kind in {IncidentKind.TRAFFIC_DROP, IncidentKind.TRAFFIC_SURGE}:
                rate *= incident.magnitude
            elif incident.kind is IncidentKind.STOCK_OUT:
                rejection = max(rejection, incident.magnitude)
            elif incident.currency is not None:
                values[incident.currency] *= incident.magnitude
        minute = _Minute(at, rate, rejection, decline, values)
        window = _totals(rng, traffic, minute)
        partials = [
            (f, _totals(look_rng, traffic, replace(minute, rate=rate * f))) for f in fractions
        ]
        yield window, partials


@dataclass(frozen=True)
class _Minute:
    """What one minute's orders are drawn from."""

    at: datetime
    rate: float  # orders expected (in the part of the minute drawn)
    rejection: float
    decline: float
    values: dict[str, float]  # mean order value by currency


def _totals(rng: random.Random, traffic: Traffic, minute: _Minute) -> WindowTotals:
    """The orders of one minute (or of the part of it a rate covers) and what became of them."""
    at, values = minute.at, minute.values
    placed = poisson(rng, minute.rate)
    rejected = binomial(rng, placed, minute.rejection)
    attempted = placed - rejected
    declined = binomial(rng, attempted, minute.decline)
    paid = attempted - declined
    cancelled_by_customer = binomial(rng, paid, traffic.customer_cancel_rate)
    confirmed = paid - cancelled_by_customer
    by_currency, revenue = _split(rng, traffic, confirmed, values)
    return WindowTotals(
        start=at,
        end=at + MINUTE,
        orders_placed=placed,
        reservations_attempted=placed,
        reservations_rejected=rejected,
        payments_attempted=attempted,
        payments_declined=declined,
        orders_confirmed=confirmed,
        orders_cancelled=rejected + declined + cancelled_by_customer,
        revenue=revenue,
        confirmed_by_currency=by_currency,
    )


def _jitter(rng: random.Random, traffic: Traffic, level: float) -> float:
    return math.exp(level + rng.gauss(0, traffic.rate_jitter))


def _split(
    rng: random.Random, traffic: Traffic, confirmed: int, values: dict[str, float]
) -> tuple[dict[str, int], dict[str, Decimal]]:
    """Confirmed orders shared among currencies (a multinomial, as chained binomials) and the
    revenue of each currency's orders."""
    by_currency: dict[str, int] = {}
    revenue: dict[str, Decimal] = {}
    left, share_left = confirmed, 1.0
    for index, (code, share, _) in enumerate(traffic.currencies):
        last = index == len(traffic.currencies) - 1
        orders = left if last else binomial(rng, left, min(share / max(share_left, share), 1.0))
        left -= orders
        share_left -= share
        by_currency[code] = orders
        total = lognormal_sum(rng, orders, values[code], traffic.value_sigma)
        revenue[code] = Decimal(repr(total)).quantize(CENTS)
    return by_currency, revenue
