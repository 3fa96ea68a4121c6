"""The contract's metrics: each window's series from its counts, one model per metric and
dimension, anomaly ids derived from metric, window and dimensions, severity from the score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from analytics_service.domain.anomaly import (
    AnomalyDetector,
    Metric,
    SeriesKey,
    Severity,
    Status,
    WindowTotals,
    anomaly_id,
    severity,
)
from analytics_service.scenarios.generate import IncidentPlan, generate

START = datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _window(**counts: int) -> WindowTotals:
    totals = {
        "orders_placed": 50,
        "reservations_attempted": 50,
        "reservations_rejected": 1,
        "payments_attempted": 49,
        "payments_declined": 2,
        "orders_confirmed": 40,
        "orders_cancelled": 4,
    } | counts
    return WindowTotals(
        start=START,
        end=START + MINUTE,
        revenue={"EUR": Decimal("1860.00"), "USD": Decimal("710.50")},
        confirmed_by_currency={"EUR": 30, "USD": 10},
        **totals,
    )


def test_each_window_gives_every_metric_with_the_count_behind_it() -> None:
    found = {key: (value, weight) for key, value, weight in _window().observations()}
    assert found == {
        SeriesKey(Metric.ORDERS_PER_MINUTE): (50.0, None),
        SeriesKey(Metric.PAYMENT_DECLINE_RATE): (2 / 49, 49.0),
        SeriesKey(Metric.CANCELLATION_RATE): (4 / 44, 44.0),
        SeriesKey(Metric.RESERVATION_REJECTION_RATE): (1 / 50, 50.0),
        SeriesKey.of(Metric.AVERAGE_ORDER_VALUE, currency="EUR"): (62.0, 30.0),
        SeriesKey.of(Metric.AVERAGE_ORDER_VALUE, currency="USD"): (71.05, 10.0),
    }


def test_a_window_without_trials_gives_a_rate_of_nothing_scored() -> None:
    found = {
        key: (value, weight)
        for key, value, weight in _window(payments_attempted=0, payments_declined=0).observations()
    }
    assert found[SeriesKey(Metric.PAYMENT_DECLINE_RATE)] == (0.0, 0.0)


def test_the_anomaly_id_is_a_uuid5_of_metric_window_and_dimensions() -> None:
    """Pinned: a new recipe would give anomalies already published a second id."""
    key = SeriesKey.of(Metric.AVERAGE_ORDER_VALUE, currency="EUR")
    assert anomaly_id(key, START, START + MINUTE) == "49cc55aa-cf08-558a-8432-eedc3220b254"
    decline = SeriesKey(Metric.PAYMENT_DECLINE_RATE)
    assert anomaly_id(decline, START, START + MINUTE) == "ae57101b-5c6e-521a-ae29-4603438343c8"
    others = {
        anomaly_id(SeriesKey.of(Metric.AVERAGE_ORDER_VALUE, currency="USD"), START, START + MINUTE),
        anomaly_id(key, START + MINUTE, START + 2 * MINUTE),
        anomaly_id(key, START, START + 5 * MINUTE),
        anomaly_id(SeriesKey(Metric.AVERAGE_ORDER_VALUE), START, START + MINUTE),
    }
    assert len(others) == 4
    assert "49cc55aa-cf08-558a-8432-eedc3220b254" not in others


def test_dimensions_in_any_order_are_the_same_series() -> None:
    one = SeriesKey.of(Metric.PAYMENT_DECLINE_RATE, currency="EUR", provider="stripe")
    other = SeriesKey.of(Metric.PAYMENT_DECLINE_RATE, provider="stripe", currency="EUR")
    assert one == other
    assert anomaly_id(one, START, START + MINUTE) == anomaly_id(other, START, START + MINUTE)


def test_processing_the_same_windows_again_gives_the_same_anomalies_and_ids() -> None:
    scenario = generate(5, 2, plan=IncidentPlan(per_day=5))
    runs = []
    for _ in range(2):
        detector = AnomalyDetector()
        runs.append([s.anomaly for w in scenario.windows for s in detector.observe(w) if s.anomaly])
    first, second = runs
    assert len(first) > 50
    assert first == second
    ids = [a.anomaly_id for a in first]
    assert len(set(ids)) == len(ids)  # one id per series and window


def test_one_model_per_metric_and_dimension() -> None:
    detector = AnomalyDetector()
    scored = detector.observe(_window())
    assert [s.verdict.status for s in scored] == [Status.WARMING_UP] * 6
    assert set(detector.models) == {s.key for s in scored}
    assert len(detector.models) == 6


def test_severity_rises_with_the_score_in_multiples_of_the_threshold() -> None:
    assert [severity(s, 5.0) for s in (5.0, 7.49, 7.5, 12.49, 12.5, 40.0)] == [
        Severity.INFO,
        Severity.INFO,
        Severity.WARNING,
        Severity.WARNING,
        Severity.CRITICAL,
        Severity.CRITICAL,
    ]
