"""A window with values beyond the cap, as the API and the anomaly model read it: the overflow
by dimension as a KPI and a series, ``__other__`` a revenue but no average order value and no
anomaly series (a sum over currencies has no unit); the cap's setting bounded; every dimension
the events add is one the item's size bound counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from analytics_service.adapters.dynamodb_windows import DIMENSIONS, MAX_VALUES_ALLOWED
from analytics_service.adapters.memory import InMemoryKpiStore
from analytics_service.bootstrap import Settings
from analytics_service.domain.windows import OTHER, Effect, Granularity, SagaMark, WindowKey
from analytics_service.domain.windows import facts as f
from analytics_service.domain.windows.cap import dimension_of
from analytics_service.domain.windows.series import SeriesMetric
from analytics_service.service_layer import queries
from pydantic import ValidationError

T0 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
MINUTE = WindowKey.containing(Granularity.MINUTE, T0)


def confirmed(event_id: str, currency: str) -> Effect:
    return Effect(event_id, ((MINUTE, f.order_confirmed(Decimal("10.00"), currency)),))


def test_overflow_is_a_kpi_and_other_has_no_average_order_value() -> None:
    # Given a cap of one currency and orders confirmed in three
    store = InMemoryKpiStore(max_values=1)
    store.apply([confirmed("a", "EUR"), confirmed("b", "USD"), confirmed("c", "GBP")], T0)
    now = T0 + timedelta(seconds=30)
    # Then the current window shows the overflow and revenue under __other__
    kpis = queries.current(store, now)["windows"]["1m"]["kpis"]
    assert kpis["revenue"] == {"EUR": "10.00", OTHER: "20.00"}
    assert kpis["average_order_value"] == {"EUR": "10.00"}
    assert kpis["values_overflowed"] == {
        "orders_confirmed.currency": 2,
        "revenue.currency": 2,
    }
    # and the series of the overflow, whole and by dimension
    query = queries.SeriesQuery(
        SeriesMetric.VALUES_OVERFLOWED, start=T0, end=T0 + timedelta(minutes=1)
    )
    assert [p["value"] for p in queries.series(query, store, now)["points"]] == [4]
    split = queries.SeriesQuery(
        SeriesMetric.VALUES_OVERFLOWED,
        start=T0,
        end=T0 + timedelta(minutes=1),
        dimension="dimension",
    )
    [point] = queries.series(split, store, now)["points"]
    assert point["values"]["revenue.currency"] == 2
    # and the anomaly model gets no __other__ currency series
    [window] = store.windows(Granularity.MINUTE, T0, now)
    assert set(window.totals().confirmed_by_currency) == {"EUR"}


def test_the_cap_setting_is_bounded_by_the_dynamodb_item_size() -> None:
    assert Settings(event_bus_name="b", max_dimension_values=MAX_VALUES_ALLOWED)
    with pytest.raises(ValidationError):
        Settings(event_bus_name="b", max_dimension_values=MAX_VALUES_ALLOWED + 1)
    with pytest.raises(ValidationError):
        Settings(event_bus_name="b", max_dimension_values=0)


def test_every_dimension_the_events_add_is_in_the_size_bound() -> None:
    added = [
        *f.order_placed("EUR"),
        *f.order_confirmed(Decimal(1), "EUR"),
        *f.order_cancelled("r"),
        *f.payment_declined("c"),
        *f.reservation_rejected("r"),
        *f.saga_finished(SagaMark.FAILED),
        *f.compensation("s"),
        *f.stock_low("w"),
        ("events|type=OrderPlaced@2", 1),
    ]
    found = {d[0] for d in (dimension_of(name) for name, _ in added) if d is not None}
    assert found == set(DIMENSIONS)
