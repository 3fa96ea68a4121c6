"""Counting the analytics stream into windows: the same KPIs however events arrive (twice,
out of order within the allowed lateness), late events left out and counted, revisions,
rollups, saga durations, finality and unreadable records. Use case and domain, store in
memory."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from analytics_service.adapters.memory import InMemoryKpiStore
from analytics_service.domain.windows import Granularity, WindowKey, WindowKpis, WindowSettings
from analytics_service.domain.windows import counters as c
from analytics_service.service_layer.count_events import Counted, StreamRecord, count_events
from tests.events import T0, disordered, event, money, scenario, stream_record

SETTINGS = WindowSettings()
LATER = datetime(2030, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def deliver(
    store: InMemoryKpiStore,
    events: Iterable[dict[str, Any]],
    *,
    shard: str = "shardId-000000000000",
    batch: int = 50,
    now: datetime = LATER,
    settings: WindowSettings = SETTINGS,
) -> Counted:
    records = [stream_record(shard, i, e) for i, e in enumerate(events)]
    total = Counted()
    for i in range(0, len(records), batch):
        result = count_events(records[i : i + batch], store, settings, now)
        total.counted += result.counted
        total.duplicates += result.duplicates
        total.late += result.late
        total.failed += result.failed
        total.became_final += result.became_final
    return total


def kpis(store: InMemoryKpiStore, granularity: Granularity) -> dict[datetime, dict[str, Any]]:
    found = {}
    for window in store.windows(granularity, T0 - DAY, T0 + DAY):
        values = window.kpis()
        values.pop("revised")
        found[window.window.start] = values
    return found


def test_every_event_twice_and_out_of_order_gives_the_same_kpis() -> None:
    # Given a day's worth of sagas, delivered once in order and, elsewhere, every event twice
    # and shuffled within 90 s (the allowed lateness is 120 s)
    events = scenario(300)
    in_order, messy = InMemoryKpiStore(), InMemoryKpiStore()
    deliver(in_order, events)
    result = deliver(messy, disordered(events, seed=3, within=timedelta(seconds=90)), batch=37)
    # Then every window of every granularity has the same KPIs, and each event counted once
    assert result.late == 0
    assert result.duplicates == len(events)
    for granularity in Granularity:
        expected = kpis(in_order, granularity)
        assert expected
        assert kpis(messy, granularity) == expected, granularity
    day = in_order.windows(Granularity.DAY, T0 - DAY, T0 + DAY)[0]
    assert day.orders_placed == 300
    assert day.events_by_type()["OrderPlaced@1"] == 300


def test_rollups_are_the_sums_of_their_minutes() -> None:
    store = InMemoryKpiStore()
    deliver(store, scenario(120))
    minutes = store.windows(Granularity.MINUTE, T0 - DAY, T0 + DAY)
    for granularity in (Granularity.FIVE_MINUTES, Granularity.HOUR, Granularity.DAY):
        for window in store.windows(granularity, T0 - DAY, T0 + DAY):
            inside = [
                m for m in minutes if window.window.start <= m.window.start < window.window.end
            ]
            expected = c.merged(m.counters for m in inside)
            assert window.counters == expected


def test_kpis_of_a_window() -> None:
    # Given in one minute: three orders placed (EUR, EUR, USD), two confirmed in EUR, one
    # cancelled for a declined payment; reservations 2 made, 1 rejected; payments 2 authorized,
    # 1 declined; one compensation and one stock-low event
    at = T0 + timedelta(seconds=5)
    events = [
        event("placed", at, "ord_a", total=money("10.00", "EUR")),
        event("placed", at, "ord_b", total=money("20.50", "EUR")),
        event("placed", at, "ord_c", total=money("7.00", "USD")),
        event("reserved", at, "ord_a"),
        event("reserved", at, "ord_b"),
        event("rejected", at, "ord_c"),
        event("authorized", at, "ord_a"),
        event("authorized", at, "ord_b"),
        event("declined", at, "ord_c", declineCode="CARD_EXPIRED"),
        event("released", at, "ord_c"),
        event("stock_low", at, "ord_c", warehouse="FRA-2"),
        event("confirmed", at, "ord_a", total=money("10.00", "EUR")),
        event("confirmed", at, "ord_b", total=money("20.50", "EUR")),
        event("cancelled", at, "ord_c"),
    ]
    store = InMemoryKpiStore()
    deliver(store, events)
    [window] = store.windows(Granularity.MINUTE, T0, T0 + DAY)
    # Then
    assert window.orders_placed == 3
    assert window.by(c.ORDERS_PLACED, "currency") == {"EUR": 2, "USD": 1}
    assert window.orders_confirmed == 2
    assert window.revenue() == {"EUR": Decimal("30.50")}
    assert window.average_order_value() == {"EUR": Decimal("15.25")}
    assert window.by(c.ORDERS_CANCELLED, "reason") == {"PAYMENT_DECLINED": 1}
    assert window.payment_decline_rate == pytest.approx(1 / 3)
    assert window.by(c.PAYMENTS_DECLINED, "code") == {"CARD_EXPIRED": 1}
    assert window.reservation_rejection_rate == pytest.approx(1 / 3)
    assert window.by(c.COMPENSATIONS, "step") == {"ReleaseInventory": 1}
    assert window.by(c.STOCK_LOW, "warehouse") == {"FRA-2": 1}
    totals = window.totals()
    assert (totals.orders_placed, totals.payments_attempted, totals.payments_declined) == (3, 3, 1)
    assert (totals.reservations_attempted, totals.reservations_rejected) == (3, 1)
    assert totals.confirmed_by_currency == {"EUR": 2}
    assert totals.revenue == {"EUR": Decimal("30.50")}


def _saga_duration(store: InMemoryKpiStore) -> float | None:
    [window] = store.windows(Granularity.HOUR, T0 - DAY, T0 + DAY)
    return window.saga_duration_ms(0.5)


def test_saga_duration_is_measured_from_placed_to_outcome_whichever_comes_first() -> None:
    placed = event("placed", T0, "ord_x")
    succeeded = event("succeeded", T0 + timedelta(seconds=3), "ord_x")
    in_order, reversed_ = InMemoryKpiStore(), InMemoryKpiStore()
    deliver(in_order, [placed], batch=1)
    deliver(in_order, [succeeded], batch=1)
    deliver(reversed_, [succeeded, placed], batch=1)
    for store in (in_order, reversed_):
        duration = _saga_duration(store)
        assert duration == pytest.approx(3000, rel=0.01)
        assert store.saga_states == {}  # both ends known: nothing kept


def test_an_event_within_the_lateness_updates_its_window_and_marks_it_revised() -> None:
    store = InMemoryKpiStore()
    deliver(store, [event("placed", T0 + timedelta(seconds=150), "ord_b")])
    # 100 s behind the latest event: its window (10:00) ended 90 s before the latest event
    deliver(store, [event("placed", T0 + timedelta(seconds=50), "ord_a")])
    first = store.windows(Granularity.MINUTE, T0, T0 + timedelta(minutes=1))[0]
    assert first.orders_placed == 1
    assert first.revised
    assert first.late_events == 0


def test_an_event_beyond_the_lateness_is_only_counted_as_late() -> None:
    store = InMemoryKpiStore()
    deliver(store, [event("placed", T0 + timedelta(minutes=5), "ord_b")])
    result = deliver(store, [event("placed", T0 + timedelta(seconds=50), "ord_a")] * 2)
    [window] = store.windows(Granularity.MINUTE, T0, T0 + timedelta(minutes=1))
    assert window.orders_placed == 0
    assert window.late_events == 1
    assert (result.late, result.duplicates) == (1, 1)


def test_the_allowed_lateness_is_configurable() -> None:
    strict = WindowSettings(allowed_lateness=timedelta(seconds=0))
    store = InMemoryKpiStore()
    for at in (T0 + timedelta(seconds=70), T0 + timedelta(seconds=50)):
        record = stream_record("s", 1, event("placed", at))
        result = count_events([record], store, strict, LATER)
    assert result.late == 1


def test_windows_become_final_when_every_active_shard_passed_their_end() -> None:
    store = InMemoryKpiStore()
    now = T0 + timedelta(minutes=20)
    two = WindowSettings(shards=("A", "B"))
    # shard B at 10:06, shard A at 10:10: the final watermark is 10:04 (B's, less 2 minutes)
    first = deliver(
        store, [event("placed", T0 + timedelta(minutes=6))], shard="B", now=now, settings=two
    )
    result = deliver(
        store, [event("placed", T0 + timedelta(minutes=10))], shard="A", now=now, settings=two
    )
    assert store.final == T0 + timedelta(minutes=4)
    # nothing before the first event seen is reported
    assert first.became_final == result.became_final == []
    # B moves on to 10:09: minutes up to 10:07 and the first five minutes become final, once
    result = deliver(
        store, [event("placed", T0 + timedelta(minutes=9))], shard="B", now=now, settings=two
    )
    assert [w.start for w in result.became_final if w.granularity is Granularity.MINUTE] == [
        T0 + timedelta(minutes=m) for m in (4, 5, 6)
    ]
    assert WindowKey(Granularity.FIVE_MINUTES, T0) in result.became_final
    again = deliver(
        store, [event("placed", T0 + timedelta(minutes=9))], shard="B", now=now, settings=two
    )
    assert again.became_final == []


def test_an_idle_shard_does_not_hold_windows_open() -> None:
    store = InMemoryKpiStore()
    deliver(store, [event("placed", T0)], shard="A", now=T0)
    later = T0 + SETTINGS.idle_after + timedelta(seconds=1)
    deliver(store, [event("placed", T0 + timedelta(minutes=10))], shard="B", now=later)
    assert store.final == T0 + timedelta(minutes=8)
    # an event of the idle shard for a window now final is late
    result = deliver(store, [event("placed", T0 + timedelta(minutes=5))], shard="A", now=later)
    assert result.late == 1


def test_a_backlog_on_two_shards_read_one_shard_after_the_other_is_not_late() -> None:
    # Given a backlog on two shards of interleaved event times, shard A's read first in several
    # batches, then shard B's (the consumer starting on a stream that already holds them)
    events = scenario(300)
    settings = WindowSettings(shards=("A", "B"))
    in_order, backlog = InMemoryKpiStore(), InMemoryKpiStore()
    deliver(in_order, events, settings=settings)
    deliver(backlog, events[0::2], shard="A", settings=settings)
    result = deliver(backlog, events[1::2], shard="B", settings=settings)
    # Then shard B, not seen yet, held the final watermark: nothing late, the same KPIs
    assert (
        sum(
            w.counters.get(c.LATE_EVENTS, 0)
            for w in backlog.windows(Granularity.MINUTE, T0 - DAY, T0 + DAY)
        )
        == 0
    )
    assert result.late == 0
    for granularity in Granularity:
        assert kpis(backlog, granularity) == kpis(in_order, granularity)


def test_an_unreadable_record_is_reported_and_the_rest_counted() -> None:
    store = InMemoryKpiStore()
    records = [
        stream_record("s", 1, event("placed", T0)),
        StreamRecord("s", "2", b"{not json", T0),
        StreamRecord("s", "3", json.dumps({"source": "ordermesh.order"}).encode(), T0),
    ]
    result = count_events(records, store, SETTINGS, LATER)
    assert result.failed == ["2", "3"]
    assert result.counted == 1


def test_an_event_without_kpis_counts_by_type_only() -> None:
    store = InMemoryKpiStore()
    deliver(store, [event("reserve_command", T0)])
    [window] = store.windows(Granularity.MINUTE, T0, T0 + DAY)
    assert window.events_by_type() == {"ReserveInventory@1": 1}
    assert window.orders_placed == 0


def test_windows_and_kpis_have_their_keys() -> None:
    key = WindowKey.containing(Granularity.HOUR, T0 + timedelta(minutes=59, seconds=59))
    assert (key.start, key.end) == (T0, T0 + timedelta(hours=1))
    assert WindowKpis(key, {}).saga_duration_ms(0.99) is None
