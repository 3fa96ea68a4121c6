"""When a shard stops holding the windows open: idle by processing time and by arrival time
together. A consumer restarted on a backlog, and a consumer catching up shard by shard, lose no
event to lateness; a shard that stopped delivering while the others go on stops holding the
final watermark. Use case and domain, store in memory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from analytics_service.adapters.memory import InMemoryKpiStore
from analytics_service.domain.windows import (
    OTHER_SHARDS,
    Granularity,
    ShardState,
    WindowSettings,
)
from analytics_service.domain.windows import counters as c
from analytics_service.service_layer.count_events import count_events
from tests.events import T0, event, occurred_at, scenario, stream_record

# The local runtime's lateness: a shard wrongly taken for idle makes the others' events late at
# once. Idle after the default minute.
SETTINGS = WindowSettings(allowed_lateness=timedelta(seconds=5))
ARRIVAL = timedelta(seconds=1)  # each record reaches the stream a second after its event time
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


class Stream:
    """Two shards, A and B, holding a scenario's events by correlation id; a consumer reading
    them from where it left off."""

    def __init__(self, events: list[dict[str, Any]], settings: WindowSettings = SETTINGS) -> None:
        self.shards: dict[str, list[dict[str, Any]]] = {"A": [], "B": []}
        for e in events:
            order = int(e["detail"]["metadata"]["correlationId"].removeprefix("ord_"))
            self.shards["AB"[order % 2]].append(e)
        self.read = {"A": 0, "B": 0}
        self.store = InMemoryKpiStore()
        self.settings = settings
        self.late = 0

    def deliver(self, shard: str, *, count: int, now: datetime) -> bool:
        """The shard's next ``count`` records at processing time ``now``; whether any were."""
        start = self.read[shard]
        events = self.shards[shard][start : start + count]
        self.read[shard] += len(events)
        if events:
            records = [stream_record(shard, start + i, e) for i, e in enumerate(events)]
            self.late += count_events(records, self.store, self.settings, now).late
        return bool(events)

    def deliver_until(self, shard: str, arrived: datetime) -> None:
        """As a consumer keeping up: the shard's records that arrived before ``arrived``,
        processed as the last of them arrives."""
        events = self.shards[shard][self.read[shard] :]
        count = sum(1 for e in events if occurred_at(e) + ARRIVAL < arrived)
        self.deliver(shard, count=count, now=arrived)

    def kpis(self) -> dict[datetime, dict[str, Any]]:
        found = {}
        for window in self.store.windows(Granularity.MINUTE, T0 - DAY, T0 + DAY):
            values = window.kpis()
            values.pop("revised")
            found[window.window.start] = values
        return found


def keeping_up(
    stream: Stream, until: datetime, *, shards: str = "AB", since: datetime = T0
) -> Iterator[datetime]:
    """Deliver every 10 seconds of arrival after ``since`` up to ``until``, each shard in turn."""
    at = since
    while at < until:
        at += 10 * SECOND
        for shard in shards:
            stream.deliver_until(shard, at)
        yield at


def in_order(events: list[dict[str, Any]]) -> dict[datetime, dict[str, Any]]:
    reference = Stream(events)
    for _ in keeping_up(reference, T0 + 15 * timedelta(minutes=1)):
        pass
    assert reference.late == 0
    return reference.kpis()


def test_a_restart_on_a_backlog_of_two_shards_delivered_shard_by_shard_loses_nothing() -> None:
    # Given a consumer keeping up with two shards for 3 minutes, then down for 20 minutes while
    # 9 more minutes of events arrive on both
    events = scenario(600, minutes=12)
    stream = Stream(events)
    for _ in keeping_up(stream, T0 + timedelta(minutes=3)):
        pass
    # When it restarts and reads the backlog a batch from each shard in turn, each batch
    # spanning more than the idle time of arrivals (300 records, about 90 s)
    now = T0 + timedelta(minutes=23)
    delivered = True
    while delivered:
        delivered = False
        for shard in "AB":
            delivered |= stream.deliver(shard, count=300, now=now)
        now += SECOND
    # Then no event was late: every window has what it has when read as the events arrive
    assert stream.late == 0
    assert stream.kpis() == in_order(events)


def test_a_shard_that_stopped_delivering_while_another_goes_on_stops_holding_the_windows() -> None:
    # Given two shards delivered as their events arrive for 3 minutes, then only shard A for 5
    stream = Stream(scenario(600, minutes=12))
    for _ in keeping_up(stream, T0 + timedelta(minutes=3)):
        pass
    stopped = stream.store.shards()["B"].latest
    for _ in keeping_up(stream, T0 + timedelta(minutes=8), shards="A"):
        pass
    # Then the final watermark follows shard A, past shard B's latest event by minutes
    latest_a = stream.store.shards()["A"].latest
    assert stream.store.final == latest_a - SETTINGS.allowed_lateness
    assert stream.store.final > stopped + timedelta(minutes=4)
    # and an event of shard B for a window now final is late
    old = event("placed", stopped + SECOND, "ord_000000000001")
    record = stream_record("B", 10_000, old, delay=timedelta(minutes=5))
    result = count_events([record], stream.store, SETTINGS, T0 + timedelta(minutes=8))
    assert result.late == 1
    [window] = stream.store.windows(Granularity.MINUTE, old_minute(old), old_minute(old) + SECOND)
    assert window.counters[c.LATE_EVENTS] == 1


def test_a_first_batch_holds_the_windows_for_the_shards_of_a_stream_of_unknown_shards() -> None:
    # Given a stream whose shards are not known (on-demand in AWS), holding a backlog on two
    # shards, read by a consumer starting on it: shard A's first batch, then shard B's
    events = scenario(600, minutes=12)
    stream = Stream(events)
    assert SETTINGS.shards == ()
    now = T0 + timedelta(minutes=30)
    stream.deliver("A", count=300, now=now)
    # Then the shards not seen yet hold the final watermark where the backlog starts
    assert OTHER_SHARDS in stream.store.shards()
    assert stream.store.final == occurred_at(stream.shards["A"][0]) - SETTINGS.allowed_lateness
    delivered = True
    while delivered:  # a round every 20 seconds
        now += 20 * SECOND
        delivered = stream.deliver("B", count=300, now=now)
        delivered |= stream.deliver("A", count=300, now=now)
    # and no event of B's backlog was late
    assert stream.late == 0
    assert stream.kpis() == in_order(events)
    # and once every shard delivered, the stand-in for the others is idle like a stopped shard
    delivering = [s for s in stream.store.shards().values() if s.shard_id != OTHER_SHARDS]
    assert stream.store.final == min(s.watermark(SETTINGS) for s in delivering)


def old_minute(e: dict[str, Any]) -> datetime:
    return occurred_at(e).replace(second=0, microsecond=0)


def test_a_shard_is_idle_only_when_quiet_in_processing_time_and_passed_in_arrival_time() -> None:
    idle = SETTINGS.idle_after
    shard = ShardState("A", T0, seen_at=T0 + DAY, arrived=T0)
    just_within, beyond = idle, idle + SECOND
    cases = {
        # (since seen, arrival reached since its newest): idle
        (just_within, beyond): False,  # a backlog behind, but delivered a moment ago
        (beyond, just_within): False,  # a consumer back from a pause, the backlog not read
        (beyond, beyond): True,
        (just_within, just_within): False,
    }
    for (since_seen, reached), expected in cases.items():
        judged = shard.idle(T0 + DAY + since_seen, T0 + reached, SETTINGS)
        assert judged is expected, (since_seen, reached)
