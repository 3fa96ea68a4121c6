"""The KPI store's promises to the anomaly scoring, against every implementation (in memory,
SQLite, DynamoDB on moto): what was consumed and learned moves by compare and set with the
anomalies found, in one write; an anomaly is recorded once and stays unpublished until marked;
recorded anomalies are read by window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analytics_service.adapters.ports import KpiStore, RecordedAnomaly, Scoring
from analytics_service.domain.anomaly import Anomaly, Metric, SeriesKey, Severity, anomaly_id

T0 = datetime(2026, 12, 5, 23, 58, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
# A model's state the size of one in its warm-up day: 1,440 points.
WARMING = {"v": 1, "points": [[60.0 * i, 12.0, 1.0] for i in range(1440)], "level": 0.5}


def anomaly(start: datetime, metric: Metric = Metric.PAYMENT_DECLINE_RATE) -> Anomaly:
    return Anomaly(
        anomaly_id=anomaly_id(SeriesKey(metric), start, start + MINUTE),
        metric=metric,
        start=start,
        end=start + MINUTE,
        observed=0.9,
        expected=0.04,
        deviation=14.5,
        severity=Severity.CRITICAL,
        dimensions={},
    )


def test_scoring_moves_by_compare_and_set_with_its_models(store: KpiStore) -> None:
    # Given nothing scored yet
    assert store.scoring() == Scoring()
    assert store.scored_until() is None
    # When a first invocation consumes the windows up to T0 with two models
    first = Scoring(T0, {"orders_per_minute": WARMING, "payment_decline_rate": {"v": 1}})
    assert store.save_scoring(None, first, [])
    # Then a second one that read the same start writes nothing
    assert not store.save_scoring(None, Scoring(T0 + MINUTE, {"orders_per_minute": {}}), [])
    assert not store.save_scoring(T0 - MINUTE, Scoring(T0 + MINUTE), [anomaly(T0)])
    assert store.scoring() == first
    assert store.scored_until() == T0
    assert store.unpublished(10) == []
    # And one that read T0 moves on, replacing the models it saves and keeping the others
    assert store.save_scoring(T0, Scoring(T0 + MINUTE, {"orders_per_minute": {"v": 2}}), [])
    assert store.scoring() == Scoring(
        T0 + MINUTE, {"orders_per_minute": {"v": 2}, "payment_decline_rate": {"v": 1}}
    )
    assert store.scored_until() == T0 + MINUTE


def test_an_anomaly_is_recorded_once_and_unpublished_until_marked(store: KpiStore) -> None:
    # Given two anomalies found in two windows, the second saved twice (a scoring run again)
    late, early = anomaly(T0 + MINUTE), anomaly(T0)
    assert store.save_scoring(None, Scoring(T0 + MINUTE), [late, early, early])
    assert store.save_scoring(T0 + MINUTE, Scoring(T0 + 2 * MINUTE), [early])
    # Then each waits once, oldest window first, until marked published
    assert store.unpublished(10) == [early, late]
    assert store.unpublished(1) == [early]
    store.mark_published([early], NOW)
    assert store.unpublished(10) == [late]
    # And an anomaly found again after it was published is not waiting again
    assert store.save_scoring(T0 + 2 * MINUTE, Scoring(T0 + 3 * MINUTE), [early])
    assert store.unpublished(10) == [late]
    assert store.anomalies(T0 - MINUTE, T0 + 2 * MINUTE) == [
        RecordedAnomaly(early, NOW),
        RecordedAnomaly(late, None),
    ]


def test_anomalies_are_read_by_window_across_days(store: KpiStore) -> None:
    found = [anomaly(T0 + i * MINUTE, Metric.ORDERS_PER_MINUTE) for i in range(4)]  # 23:58-00:01
    assert store.save_scoring(None, Scoring(T0 + 4 * MINUTE), found)
    assert [r.anomaly for r in store.anomalies(T0 + MINUTE, T0 + 3 * MINUTE)] == found[1:3]
    assert [r.anomaly for r in store.anomalies(T0, NOW)] == found
