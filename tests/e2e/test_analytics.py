"""End to end on the local runtime: an order placed over HTTP reaches the analytics stream and
is counted in the KPI store's windows within seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from analytics_service.adapters.sqlite import SqliteKpiStore
from analytics_service.domain.windows import Granularity, WindowKpis
from ordermesh_platform.system import LocalSystem

from tests.e2e.conftest import Client, order_body, wait_for


def _today(store: SqliteKpiStore) -> WindowKpis | None:
    now = datetime.now(UTC)
    windows = store.windows(Granularity.DAY, now - timedelta(days=2), now + timedelta(days=1))
    return windows[-1] if windows else None


def test_a_placed_order_shows_up_in_the_kpi_windows(client: Client, system: LocalSystem) -> None:
    # Given the running system, when a client places an order that the saga confirms
    placed = client.place(order_body(quantity=2))
    assert client.settled(placed["orderId"])["status"] == "CONFIRMED"
    # Then the analytics stream's consumer counts it: placed, confirmed, its revenue and saga
    store = SqliteKpiStore(system.runtime.store.path.parent / "analytics.sqlite")
    try:
        day = wait_for(
            lambda: (w := _today(store)) is not None and w.orders_confirmed == 1 and w,
            10.0,
            "the order in the KPI windows",
        )
        assert day.orders_placed == 1
        assert day.revenue() == {"EUR": Decimal("79.80")}
        assert day.events_by_type()["OrderSagaSucceeded@1"] == 1
        assert day.saga_duration_ms(0.5) is not None
        minutes = store.windows(Granularity.MINUTE, day.window.start, day.window.end)
        assert sum(m.orders_placed for m in minutes) == 1
    finally:
        store.close()
