"""A shard whose reader keeps failing holds the windows open: its batch, retried or bisected,
is held in the store from before it is counted until it is done with, so the other shards do
not make its events late. A batch finally discarded stops holding them once no delivery has
come for longer than the mapping waits between retries. Use case, store in memory."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from analytics_service.adapters.memory import InMemoryKpiStore
from analytics_service.domain.windows import Effect, WindowSettings
from analytics_service.service_layer.count_events import count_events
from tests.events import T0, scenario, stream_record
from tests.unit.test_shard_idleness import SETTINGS, Stream, in_order, keeping_up

MINUTE = timedelta(minutes=1)


class StorageDownError(Exception):
    pass


class FlakyStore(InMemoryKpiStore):
    """The store, whose counting writes fail while ``broken``."""

    broken = False

    def apply(self, effects: list[Effect], now: datetime) -> None:  # type: ignore[override]
        if self.broken:
            raise StorageDownError
        super().apply(effects, now)


def flaky(events: list[dict[str, Any]], settings: WindowSettings = SETTINGS) -> Stream:
    stream = Stream(events, settings)
    stream.store = FlakyStore()
    return stream


def attempt(stream: Stream, shard: str, *, count: int, now: datetime, skip: int = 0) -> None:
    """The shard's next ``count`` records (after ``skip``) delivered while the store fails."""
    start = stream.read[shard] + skip
    events = stream.shards[shard][start : start + count]
    records = [stream_record(shard, start + i, e) for i, e in enumerate(events)]
    store = stream.store
    assert isinstance(store, FlakyStore)
    store.broken = True
    try:
        with pytest.raises(StorageDownError):
            count_events(records, store, stream.settings, now)
    finally:
        store.broken = False


def recovered(stream: Stream, events: list[dict[str, Any]]) -> None:
    """Both shards read up to the end of ``events``: none was late, every window has what it
    has when read as the events arrive."""
    for _ in keeping_up(stream, T0 + 15 * MINUTE, since=T0 + 8 * MINUTE):
        pass
    assert stream.late == 0
    assert stream.kpis() == in_order(events)


def test_a_shard_failing_for_minutes_while_another_advances_loses_nothing_once_it_recovers() -> (
    None
):
    # Given two shards delivered as their events arrive for 3 minutes
    events = scenario(600, minutes=12)
    stream = flaky(events)
    for _ in keeping_up(stream, T0 + 3 * MINUTE):
        pass
    # When shard B's next batch fails every 10 seconds for 5 minutes while A keeps up
    for at in keeping_up(stream, T0 + 8 * MINUTE, shards="A", since=T0 + 3 * MINUTE):
        attempt(stream, "B", count=50, now=at)
    # and B then recovers and reads its backlog
    # Then none of B's events was late
    recovered(stream, events)


def test_a_bisected_batch_whose_second_half_keeps_failing_loses_nothing() -> None:
    # Given two shards delivered as their events arrive for 3 minutes
    events = scenario(600, minutes=12)
    stream = flaky(events)
    for _ in keeping_up(stream, T0 + 3 * MINUTE):
        pass
    # When shard B's batch of 50 fails, is split, its first half counted and its second half
    # fails again and again for 5 minutes while A keeps up
    split = T0 + 3 * MINUTE
    attempt(stream, "B", count=50, now=split)
    stream.deliver("B", count=25, now=split)
    for at in keeping_up(stream, T0 + 8 * MINUTE, shards="A", since=split):
        attempt(stream, "B", count=25, now=at)
    # Then, once it recovers, none of B's events was late
    recovered(stream, events)


def test_a_batch_finally_discarded_stops_holding_the_windows_after_the_mapping_gave_up() -> None:
    # Given two shards delivered as their events arrive for 3 minutes, and a hold kept 2 minutes
    # after the last delivery
    settings = WindowSettings(allowed_lateness=SETTINGS.allowed_lateness, held_for=2 * MINUTE)
    stream = flaky(scenario(600, minutes=12), settings)
    for _ in keeping_up(stream, T0 + 3 * MINUTE):
        pass
    held_at = stream.store.shards()["B"].watermark(settings)
    # When shard B's next batch fails every 10 seconds for 3 minutes, is discarded (the mapping
    # checkpoints past it) and B delivers nothing more, while A keeps up
    for at in keeping_up(stream, T0 + 6 * MINUTE, shards="A", since=T0 + 3 * MINUTE):
        attempt(stream, "B", count=50, now=at)
    # Then B holds the final watermark while its batch is retried
    assert stream.store.final == held_at
    stream.read["B"] += 50
    stream.shards["B"] = stream.shards["B"][: stream.read["B"]]
    for _ in keeping_up(stream, T0 + 12 * MINUTE, shards="A", since=T0 + 6 * MINUTE):
        pass
    # and once the mapping has given up, B's hold lapses, B is idle and the final watermark
    # follows A
    latest_a = stream.store.shards()["A"].latest
    assert stream.store.final == latest_a - settings.allowed_lateness
