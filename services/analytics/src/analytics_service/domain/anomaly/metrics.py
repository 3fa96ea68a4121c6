"""The metrics of the AnomalyDetected contract, scored window by window: one model per metric and
dimension, and an anomaly whose id is derived from metric, window and dimensions, so that
scoring the same windows again never gives the same anomaly a second id."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .model import AnomalyModel, ModelConfig, Verdict
from .noise import SeriesKind

# Fixed namespace of anomaly ids: uuid5(NAMESPACE_URL, "urn:ordermesh:analytics:anomaly").
ANOMALY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ordermesh:analytics:anomaly")


class Metric(StrEnum):
    ORDERS_PER_MINUTE = "orders_per_minute"
    PAYMENT_DECLINE_RATE = "payment_decline_rate"
    CANCELLATION_RATE = "cancellation_rate"
    AVERAGE_ORDER_VALUE = "average_order_value"
    RESERVATION_REJECTION_RATE = "reservation_rejection_rate"

    @property
    def kind(self) -> SeriesKind:
        return _KINDS[self]


_KINDS = {
    Metric.ORDERS_PER_MINUTE: SeriesKind.COUNT,
    Metric.PAYMENT_DECLINE_RATE: SeriesKind.RATE,
    Metric.CANCELLATION_RATE: SeriesKind.RATE,
    Metric.AVERAGE_ORDER_VALUE: SeriesKind.MEAN,
    Metric.RESERVATION_REJECTION_RATE: SeriesKind.RATE,
}


class Severity(StrEnum):
    INFO = "INFO"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"


# Severity by score, in multiples of the model's threshold: at it INFO, from 1.5 times WARNING,
# from 2.5 times CRITICAL (with the default threshold 5: a z-score of 5, 7.5 and 12.5).
WARNING_AT = 1.5
CRITICAL_AT = 2.5


def severity(score: float, threshold: float) -> Severity:
    if score >= CRITICAL_AT * threshold:
        return Severity.CRITICAL
    if score >= WARNING_AT * threshold:
        return Severity.WARNING
    return Severity.INFO


Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SeriesKey:
    metric: Metric
    dimensions: Dimensions = ()

    @classmethod
    def of(cls, metric: Metric, **dimensions: str) -> SeriesKey:
        return cls(metric, tuple(sorted(dimensions.items())))

    def text(self) -> str:
        """``average_order_value|currency=EUR``: the series' name where its model is stored."""
        return "|".join([self.metric.value, *(f"{k}={v}" for k, v in self.dimensions)])

    @classmethod
    def parse(cls, text: str) -> SeriesKey:
        metric, *dimensions = text.split("|")
        return cls.of(Metric(metric), **dict(d.split("=", 1) for d in dimensions))


def anomaly_id(key: SeriesKey, start: datetime, end: datetime) -> str:
    """uuid5 of metric, window and dimensions: the same anomaly always has the same id."""
    name = json.dumps(
        [key.metric.value, start.isoformat(), end.isoformat(), dict(key.dimensions)],
        sort_keys=True,
    )
    return str(uuid.uuid5(ANOMALY_NAMESPACE, name))


@dataclass(frozen=True, kw_only=True)
class WindowTotals:
    """What one window of events adds up to, as far as the anomaly metrics need."""

    start: datetime
    end: datetime
    orders_placed: int
    reservations_attempted: int
    reservations_rejected: int
    payments_attempted: int
    payments_declined: int
    orders_confirmed: int
    orders_cancelled: int
    revenue: Mapping[str, Decimal] = field(default_factory=dict)  # confirmed orders, by currency
    confirmed_by_currency: Mapping[str, int] = field(default_factory=dict)

    def observations(self) -> list[tuple[SeriesKey, float, float | None]]:
        """(series, value, count behind it) for every series this window has."""
        finished = self.orders_confirmed + self.orders_cancelled
        found: list[tuple[SeriesKey, float, float | None]] = [
            (SeriesKey(Metric.ORDERS_PER_MINUTE), float(self.orders_placed), None),
            _rate(Metric.PAYMENT_DECLINE_RATE, self.payments_declined, self.payments_attempted),
            _rate(Metric.CANCELLATION_RATE, self.orders_cancelled, finished),
            _rate(
                Metric.RESERVATION_REJECTION_RATE,
                self.reservations_rejected,
                self.reservations_attempted,
            ),
        ]
        for currency in sorted(self.confirmed_by_currency):
            orders = self.confirmed_by_currency[currency]
            amount = self.revenue.get(currency, Decimal(0))
            average = float(amount / orders) if orders else 0.0
            key = SeriesKey.of(Metric.AVERAGE_ORDER_VALUE, currency=currency)
            found.append((key, average, float(orders)))
        return found


def _rate(metric: Metric, part: int, whole: int) -> tuple[SeriesKey, float, float]:
    return SeriesKey(metric), (part / whole if whole else 0.0), float(whole)


@dataclass(frozen=True)
class Anomaly:
    """The data of an AnomalyDetected event."""

    anomaly_id: str
    metric: Metric
    start: datetime
    end: datetime
    observed: float
    expected: float
    deviation: float
    severity: Severity
    dimensions: Mapping[str, str]


@dataclass(frozen=True)
class Scored:
    key: SeriesKey
    verdict: Verdict
    anomaly: Anomaly | None


def default_config(metric: Metric) -> ModelConfig:
    return ModelConfig(kind=metric.kind)


class AnomalyDetector:
    """One model per metric and dimension, created on first sight of a series."""

    def __init__(self, config: Callable[[Metric], ModelConfig] = default_config) -> None:
        self._config = config
        self.models: dict[SeriesKey, AnomalyModel] = {}

    def state(self) -> dict[str, dict[str, Any]]:
        """Every model's state by series name (``SeriesKey.text``)."""
        return {key.text(): model.state() for key, model in self.models.items()}

    @classmethod
    def restored(
        cls,
        states: Mapping[str, Mapping[str, Any]],
        config: Callable[[Metric], ModelConfig] = default_config,
    ) -> AnomalyDetector:
        detector = cls(config)
        for text, state in states.items():
            key = SeriesKey.parse(text)
            detector.models[key] = AnomalyModel.restored(config(key.metric), state)
        return detector

    def peek(self, window: WindowTotals, elapsed: float) -> list[Scored]:
        """The verdicts on a window still open, ``elapsed`` of it gone, from the models there
        are (a series not seen yet has none), learning nothing (``AnomalyModel.peek``)."""
        scored = []
        for key, value, weight in window.observations():
            model = self.models.get(key)
            if model is not None:
                verdict = model.peek(window.start, value, weight, elapsed=elapsed)
                scored.append(Scored(key, verdict, _anomaly(key, window, verdict, model.config)))
        return scored

    def observe(self, window: WindowTotals) -> list[Scored]:
        scored = []
        for key, value, weight in window.observations():
            model = self.models.get(key)
            if model is None:
                model = self.models[key] = AnomalyModel(self._config(key.metric))
            verdict = model.observe(window.start, value, weight)
            scored.append(Scored(key, verdict, _anomaly(key, window, verdict, model.config)))
        return scored


def _anomaly(
    key: SeriesKey, window: WindowTotals, verdict: Verdict, config: ModelConfig
) -> Anomaly | None:
    expected, deviation, score = verdict.expected, verdict.deviation, verdict.score
    if not verdict.anomalous or expected is None or deviation is None or score is None:
        return None
    return Anomaly(
        anomaly_id=anomaly_id(key, window.start, window.end),
        metric=key.metric,
        start=window.start,
        end=window.end,
        observed=verdict.observed,
        expected=expected,
        deviation=deviation,
        severity=severity(score, config.threshold),
        dimensions=dict(key.dimensions),
    )
