"""The analytics API's use cases on a store in memory: a KPI as one point per window (gaps as
zeros, split by a dimension, final or provisional), the current windows, the anomalies, and the
queries refused with the parameter at fault."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from analytics_service.adapters.memory import InMemoryKpiStore
from analytics_service.adapters.ports import RecordedAnomaly
from analytics_service.domain.anomaly import Anomaly, Metric, Severity
from analytics_service.domain.windows import Granularity, WindowSettings
from analytics_service.domain.windows.series import SERIES, SeriesMetric
from analytics_service.service_layer import queries
from analytics_service.service_layer.count_events import count_events
from analytics_service.service_layer.queries import InvalidQueryError, SeriesQuery
from tests.events import T0, event, money, stream_record

MINUTE = timedelta(minutes=1)


def deliver(store: InMemoryKpiStore, events: list[dict[str, object]], now: datetime) -> None:
    records = [stream_record("shardId-0", i, e) for i, e in enumerate(events)]
    count_events(records, store, WindowSettings(shards=("shardId-0",)), now)


def two_orders() -> list[dict[str, object]]:
    """One order confirmed at T0 + 10 s (EUR 20.00, saga 2 s), one declined at T0 + 3 min."""
    eur = money("20.00", "EUR")
    return [
        event("placed", T0 + timedelta(seconds=10), "ord_a", total=eur),
        event("authorized", T0 + timedelta(seconds=11), "ord_a"),
        event("confirmed", T0 + timedelta(seconds=12), "ord_a", total=eur),
        event("succeeded", T0 + timedelta(seconds=12), "ord_a"),
        event("placed", T0 + timedelta(minutes=3), "ord_b", total=money("5.00", "USD")),
        event("declined", T0 + timedelta(minutes=3, seconds=1), "ord_b"),
    ]


@pytest.fixture
def store() -> InMemoryKpiStore:
    kept = InMemoryKpiStore()
    deliver(kept, two_orders(), now=T0 + timedelta(minutes=4))
    return kept


def test_a_series_has_one_point_per_window_with_gaps_as_zeros(store: InMemoryKpiStore) -> None:
    # When orders placed per minute are asked for the five minutes from T0
    query = SeriesQuery(SeriesMetric.ORDERS_PLACED, start=T0, end=T0 + 5 * MINUTE)
    answer = queries.series(query, store, now=T0 + 5 * MINUTE)
    # Then each minute is a point, the empty ones 0
    assert [p["value"] for p in answer["points"]] == [1, 0, 0, 1, 0]
    # and the first is final: the final watermark (latest event time less 2 minutes) passed it
    assert answer["points"][0] == {
        "start": "2026-12-05T10:00:00Z",
        "end": "2026-12-05T10:01:00Z",
        "final": True,
        "value": 1,
    }
    assert answer["granularity"] == "1m"
    assert answer["from"] == "2026-12-05T10:00:00Z"


def test_a_series_split_by_its_dimension_has_decimal_text(store: InMemoryKpiStore) -> None:
    query = SeriesQuery(
        SeriesMetric.REVENUE, Granularity.HOUR, T0, T0 + timedelta(hours=1), "currency"
    )
    answer = queries.series(query, store, now=T0)
    assert answer["points"][0]["values"] == {"EUR": "20.00"}
    assert answer["dimension"] == "currency"


def test_rates_and_percentiles_read_from_the_counters(store: InMemoryKpiStore) -> None:
    hour = (Granularity.HOUR, T0, T0 + timedelta(hours=1))
    rate = queries.series(SeriesQuery(SeriesMetric.PAYMENT_DECLINE_RATE, *hour), store, T0)
    assert rate["points"][0]["value"] == 0.5
    p50 = queries.series(SeriesQuery(SeriesMetric.SAGA_DURATION_P50, *hour), store, T0)
    assert p50["points"][0]["value"] == pytest.approx(2000, rel=0.01)
    by_outcome = SeriesQuery(SeriesMetric.SAGA_DURATION_P99, *hour, dimension="outcome")
    assert queries.series(by_outcome, store, T0)["points"][0]["values"].keys() == {"succeeded"}


def test_windows_the_final_watermark_passed_are_final(store: InMemoryKpiStore) -> None:
    # Given events up to T0 + 3 min and the final watermark moved on to T0 + 4 min
    store.advance_final(store.final_watermark(), T0 + 4 * MINUTE)
    query = SeriesQuery(SeriesMetric.ORDERS_PLACED, start=T0, end=T0 + 5 * MINUTE)
    answer = queries.series(query, store, now=T0 + 5 * MINUTE)
    assert [p["final"] for p in answer["points"]] == [True, True, True, True, False]
    assert answer["finalWatermark"] == "2026-12-05T10:04:00Z"


def test_the_default_range_is_the_last_sixty_windows_up_to_now(store: InMemoryKpiStore) -> None:
    answer = queries.series(
        SeriesQuery(SeriesMetric.ORDERS_PLACED), store, now=T0 + timedelta(seconds=30)
    )
    assert len(answer["points"]) == queries.DEFAULT_POINTS
    assert answer["to"] == "2026-12-05T10:01:00Z"
    assert sum(p["value"] for p in answer["points"]) == 1


@pytest.mark.parametrize(
    ("query", "parameter", "says"),
    [
        (SeriesQuery(SeriesMetric.ORDERS_PLACED, start=T0, end=T0), "from", "must be before"),
        (
            SeriesQuery(SeriesMetric.ORDERS_PLACED, start=T0, end=T0 + timedelta(days=2)),
            "to",
            "at most 1440",
        ),
        (SeriesQuery(SeriesMetric.REVENUE), "dimension", "add dimension=currency"),
        (SeriesQuery(SeriesMetric.ORDERS_PLACED, dimension="reason"), "dimension", "currency"),
        (SeriesQuery(SeriesMetric.LATE_EVENTS, dimension="type"), "dimension", "it has none"),
    ],
)
def test_queries_that_cannot_be_answered_name_the_parameter(
    store: InMemoryKpiStore, query: SeriesQuery, parameter: str, says: str
) -> None:
    with pytest.raises(InvalidQueryError) as refused:
        queries.series(query, store, now=T0)
    assert refused.value.parameter == parameter
    assert says in refused.value.message


def test_every_metric_answers_as_a_whole_or_by_its_dimension(store: InMemoryKpiStore) -> None:
    for metric, spec in SERIES.items():
        whole = SeriesQuery(metric, Granularity.DAY, T0, T0 + timedelta(days=1))
        if spec.whole is not None:
            json.dumps(queries.series(whole, store, T0))
        if spec.dimension is not None:
            split = SeriesQuery(metric, Granularity.DAY, T0, T0 + timedelta(days=1), spec.dimension)
            json.dumps(queries.series(split, store, T0))


def test_now_is_the_window_of_each_granularity_holding_now(store: InMemoryKpiStore) -> None:
    answer = queries.current(store, now=T0 + timedelta(minutes=3, seconds=30))
    assert answer["windows"]["1m"]["start"] == "2026-12-05T10:03:00Z"
    assert answer["windows"]["1m"]["kpis"]["orders_placed"] == 1
    assert answer["windows"]["1m"]["kpis"]["payment_decline_rate"] == 1.0
    day = answer["windows"]["1d"]
    assert (day["kpis"]["orders_placed"], day["kpis"]["revenue"]) == (2, {"EUR": "20.00"})
    assert not day["final"]
    json.dumps(answer)


class StoreWithAnomalies(InMemoryKpiStore):
    """A store holding the given anomalies, as scoring records them."""

    def __init__(self, found: list[Anomaly]) -> None:
        super().__init__()
        self.found = found

    def anomalies(self, start: datetime, end: datetime) -> list[RecordedAnomaly]:
        return [RecordedAnomaly(a) for a in self.found if start <= a.start < end]


def _anomaly(start: datetime, metric: Metric = Metric.PAYMENT_DECLINE_RATE) -> Anomaly:
    return Anomaly(
        "5f0c7c1e-4c7a-5d39-9a55-1c2f0d6f3a10",
        metric,
        start,
        start + MINUTE,
        0.6,
        0.05,
        9.5,
        Severity.CRITICAL,
        {},
    )


def test_anomalies_since_are_answered_as_the_contract_spells_them() -> None:
    store = StoreWithAnomalies([_anomaly(T0 + MINUTE), _anomaly(T0 - timedelta(days=2))])
    answer = queries.anomalies(store, None, now=T0 + 2 * MINUTE)
    assert answer["since"] == "2026-12-04T10:02:00Z"
    assert answer["items"] == [
        {
            "anomalyId": "5f0c7c1e-4c7a-5d39-9a55-1c2f0d6f3a10",
            "metric": "payment_decline_rate",
            "window": {"start": "2026-12-05T10:01:00Z", "end": "2026-12-05T10:02:00Z"},
            "observed": 0.6,
            "expected": 0.05,
            "deviation": 9.5,
            "severity": "CRITICAL",
            "dimensions": {},
        }
    ]


def test_a_store_without_anomalies_answers_none(store: InMemoryKpiStore) -> None:
    assert queries.anomalies(store, T0, now=T0 + MINUTE)["items"] == []


def test_anomalies_since_a_time_to_come_are_refused(store: InMemoryKpiStore) -> None:
    with pytest.raises(InvalidQueryError) as refused:
        queries.anomalies(store, T0 + MINUTE, now=T0)
    assert refused.value.parameter == "since"


@pytest.mark.parametrize("offset", [0, 3])
def test_anomalies_since_the_first_day_of_the_calendar_are_all_of_them(
    store: InMemoryKpiStore, offset: int
) -> None:
    # found by fuzzing: the window lookup went a day before since, past datetime.min (a 500)
    since = datetime(1, 1, 1, 2, tzinfo=timezone(timedelta(hours=offset)))
    answer = queries.anomalies(store, since, now=T0 + MINUTE)
    assert (answer["since"], answer["items"]) == (since.isoformat().replace("+00:00", "Z"), [])
