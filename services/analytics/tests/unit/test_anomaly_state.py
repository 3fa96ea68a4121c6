"""A model's state as JSON: a detector stored and restored between windows (as every Lambda
invocation does) gives exactly the verdicts of one that was never stored, through the warm-up
and after it."""

from __future__ import annotations

import json

import pytest
from analytics_service.domain.anomaly import AnomalyDetector, Metric, SeriesKey
from analytics_service.domain.anomaly.model import AnomalyModel, ModelConfig
from analytics_service.scenarios.generate import generate


def _round_trip(detector: AnomalyDetector) -> AnomalyDetector:
    return AnomalyDetector.restored(json.loads(json.dumps(detector.state())))


def test_a_detector_restored_after_every_window_gives_the_same_verdicts() -> None:
    # Given two days of windows with incidents on the second
    windows = generate(7, 2, traffic=None).windows
    kept, stored = AnomalyDetector(), AnomalyDetector()
    # When one detector lives in memory and the other is stored and restored every 10 windows
    verdicts_kept, verdicts_stored = [], []
    for index, window in enumerate(windows):
        verdicts_kept += [(s.key, s.verdict, s.anomaly) for s in kept.observe(window)]
        if index % 10 == 0:
            stored = _round_trip(stored)
        verdicts_stored += [(s.key, s.verdict, s.anomaly) for s in stored.observe(window)]
    # Then every verdict and anomaly is the same, and some were anomalous
    assert verdicts_stored == verdicts_kept
    assert any(anomaly is not None for _, _, anomaly in verdicts_kept)


def test_series_names_read_back_as_their_keys() -> None:
    key = SeriesKey.of(Metric.AVERAGE_ORDER_VALUE, currency="EUR")
    assert key.text() == "average_order_value|currency=EUR"
    assert SeriesKey.parse(key.text()) == key
    assert SeriesKey.parse("orders_per_minute") == SeriesKey(Metric.ORDERS_PER_MINUTE)


def test_an_unknown_state_version_is_refused() -> None:
    state = AnomalyModel(ModelConfig()).state() | {"v": 99}
    with pytest.raises(ValueError, match="version 99"):
        AnomalyModel.restored(ModelConfig(), state)
