"""The SQLite store forgets the records of counted events once the final watermark is a day of
event time past them, a bounded number per batch: a recent event delivered again still counts
once, a forgotten one delivered again is late (in ``late_events``), never counted twice; records
of a file from before the event's minute was kept are forgotten by their counting time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from analytics_service.adapters.ports import micros
from analytics_service.adapters.sqlite import COUNTED_PAST_FINAL, SqliteKpiStore
from analytics_service.domain.windows import Granularity, WindowSettings
from analytics_service.service_layer.count_events import Counted, count_events
from tests.events import T0, event, money, stream_record
from tests.integration.conftest import sqlite_file

SETTINGS = WindowSettings(shards=("s",))
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


def deliver(store: SqliteKpiStore, events: list[dict[str, Any]]) -> Counted:
    records = [stream_record("s", i, e) for i, e in enumerate(events)]
    return count_events(records, store, SETTINGS, T0 + 3 * DAY)


def placed(at_minute: timedelta, n: int) -> list[dict[str, Any]]:
    eur = money("10.00", "EUR")
    return [event("placed", T0 + at_minute, f"ord_{at_minute}_{i}", total=eur) for i in range(n)]


def test_counted_events_a_day_behind_the_final_watermark_are_forgotten_a_few_per_batch(
    tmp_path: Path,
) -> None:
    store = SqliteKpiStore(tmp_path / "analytics.sqlite", forget_per_batch=3)
    old = placed(timedelta(0), 5)
    deliver(store, old)
    recent = placed(DAY + 10 * MINUTE, 2)
    deliver(store, recent)  # the final watermark moves to a day past the old events' minute
    assert store.final_watermark() is not None
    assert store.final_watermark() - COUNTED_PAST_FINAL > T0 + MINUTE
    old_ids = {e["detail"]["metadata"]["eventId"] for e in old}
    recent_ids = {e["detail"]["metadata"]["eventId"] for e in recent}
    # the next batch forgets three (it counts before the watermark moves), the one after two
    assert store.counted(old_ids) == old_ids
    deliver(store, placed(DAY + 11 * MINUTE, 1))
    assert len(store.counted(old_ids)) == 2
    deliver(store, placed(DAY + 12 * MINUTE, 1))
    assert store.counted(old_ids) == set()
    assert store.counted(recent_ids) == recent_ids
    store.close()


def test_delivered_again_a_recent_event_counts_once_and_a_forgotten_one_is_late(
    tmp_path: Path,
) -> None:
    store = SqliteKpiStore(tmp_path / "analytics.sqlite")
    old = placed(timedelta(0), 3)
    deliver(store, old)
    deliver(store, placed(DAY + 10 * MINUTE, 2))
    recent = placed(DAY + 11 * MINUTE, 2)
    deliver(store, recent)
    again = deliver(store, [*old, *recent])
    assert (again.duplicates, again.late, again.counted) == (2, 3, 3)
    [window] = store.windows(Granularity.MINUTE, T0, T0 + MINUTE)
    assert window.orders_placed == 3  # not six
    assert window.late_events == 3
    [window] = store.windows(Granularity.MINUTE, T0 + DAY + 11 * MINUTE, T0 + DAY + 12 * MINUTE)
    assert window.orders_placed == 2
    store.close()


def test_records_of_an_older_file_are_forgotten_by_their_counting_time(tmp_path: Path) -> None:
    path = sqlite_file(
        tmp_path / "analytics.sqlite",
        "CREATE TABLE kpi_counted_events (event_id TEXT PRIMARY KEY, counted_at INTEGER "
        "NOT NULL) WITHOUT ROWID;"
        "CREATE INDEX kpi_counted_events_by_age ON kpi_counted_events (counted_at);",
        "kpi_counted_events",
        [("old", micros(T0)), ("kept", micros(T0 + DAY))],
    )
    store = SqliteKpiStore(path)
    deliver(store, placed(DAY + 10 * MINUTE, 2))
    deliver(store, placed(DAY + 11 * MINUTE, 1))
    assert store.counted({"old", "kept"}) == {"kept"}
    store.close()
