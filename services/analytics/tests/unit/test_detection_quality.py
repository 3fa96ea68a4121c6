"""Detection quality measured on a fixed-seed scenario (six days, the first the warm-up, thirty
incidents), against the figures this model reaches there; the full run over many seeds is the
benchmark's (bench/analytics.py). With five looks at each window while it is open, as the stream
consumer makes them, the figures are the same: a look alarms only on overwhelming evidence."""

from __future__ import annotations

import pytest
from analytics_service.domain.anomaly import Metric
from analytics_service.scenarios.evaluate import evaluate, report
from analytics_service.scenarios.generate import IncidentKind, generate


@pytest.mark.parametrize("looks", [0, 5])
def test_fixed_seed_recall_false_alarms_and_delay(looks: int) -> None:
    quality = evaluate(generate(22, 6, looks=looks))
    figures = "\n".join(report(quality))
    assert quality.incidents == dict.fromkeys(IncidentKind, 6), figures
    assert quality.detected == quality.incidents, figures  # recall 100%
    assert sorted(quality.delays) == [0] * 27 + [1, 1, 2], figures
    assert quality.median_delay == 0, figures
    assert dict(quality.false_alarms) == {
        Metric.ORDERS_PER_MINUTE: 0,
        Metric.PAYMENT_DECLINE_RATE: 0,
        Metric.CANCELLATION_RATE: 0,
        Metric.AVERAGE_ORDER_VALUE: 2,
        Metric.RESERVATION_REJECTION_RATE: 0,
    }, figures
    assert dict(quality.normal_windows) == {
        Metric.ORDERS_PER_MINUTE: 6732,
        Metric.PAYMENT_DECLINE_RATE: 6866,
        Metric.CANCELLATION_RATE: 6554,
        Metric.AVERAGE_ORDER_VALUE: 17825,
        Metric.RESERVATION_REJECTION_RATE: 6882,
    }, figures
    assert round(quality.worst_false_alarms_per_1000, 2) == 0.11, figures
    assert quality.targets_met
