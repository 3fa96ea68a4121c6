"""From stream records to AnomalyDetected on the bus (store in memory, a recording bus): the
windows that became final are scored with models started from the prior, a payment outage is
published once, a batch delivered again publishes nothing new, a batch retried after scoring
failed scores its windows once, and the prior's normal traffic raises no alarm."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from analytics_service.adapters.memory import InMemoryKpiStore
from analytics_service.adapters.ports import Scoring
from analytics_service.domain.anomaly import Anomaly
from analytics_service.domain.windows import WindowSettings
from analytics_service.scenarios.generate import generate
from analytics_service.scenarios.prior import TrafficProfile, warmed
from analytics_service.service_layer.consume_batch import Ports, consume_batch
from analytics_service.service_layer.count_events import StreamRecord
from ordermesh_contracts.bus import EntryResult, EventBusPort, PutEventsEntry
from ordermesh_contracts.publishing import Publisher
from tests.events import T0, event, money, occurred_at, stream_record

PROFILE = TrafficProfile.read(Path(__file__).resolve().parents[4] / "catalog/normal-traffic.json")
MINUTE = timedelta(minutes=1)
SETTINGS = WindowSettings(allowed_lateness=timedelta(seconds=5), shards=("shard-1",))


class RecordingBus(EventBusPort):
    def __init__(self) -> None:
        self.entries: list[PutEventsEntry] = []

    def put_events(self, entries: Sequence[PutEventsEntry]) -> list[EntryResult]:
        self.entries += entries
        return [EntryResult(event_id=f"bus-{len(self.entries)}-{i}") for i in range(len(entries))]

    def details(self) -> list[dict[str, Any]]:
        return [json.loads(e.detail) for e in self.entries]


class FailingOnce(InMemoryKpiStore):
    """Fails the first scoring write, as a timeout after counting would."""

    failed = False

    def save_scoring(
        self, before: datetime | None, after: Scoring, anomalies: Sequence[Anomaly]
    ) -> bool:
        if not self.failed:
            self.failed = True
            raise TimeoutError("the store did not answer")
        return super().save_scoring(before, after, anomalies)


class CountingModelReads(InMemoryKpiStore):
    """Counts the reads of the models (``scoring``), which every batch would pay for."""

    model_reads = 0

    def scoring(self) -> Scoring:
        self.model_reads += 1
        return super().scoring()


def minute_of_orders(start: datetime, orders: int, decline: float, rng: random.Random) -> list[Any]:
    """``orders`` sagas in the minute from ``start``: placed, reserved, then authorized and
    confirmed, or declined and cancelled with chance ``decline``."""
    found = []
    for n in range(orders):
        cid = f"ord_{start:%H%M}{n:04d}"
        at = start + timedelta(seconds=rng.uniform(0, 55))
        total = money(f"{rng.lognormvariate(3.73, 0.4):.2f}", "EUR")
        found.append(event("placed", at, cid, total=total))
        found.append(event("reserved", at + timedelta(milliseconds=20), cid))
        if rng.random() < decline:
            found.append(event("declined", at + timedelta(milliseconds=40), cid))
            found.append(event("cancelled", at + timedelta(milliseconds=60), cid))
        else:
            found.append(event("authorized", at + timedelta(milliseconds=40), cid))
            found.append(event("confirmed", at + timedelta(milliseconds=60), cid, total=total))
    found.sort(key=lambda e: e["detail"]["metadata"]["occurredAt"])
    return found


def records(events: list[Any]) -> list[StreamRecord]:
    return [stream_record("shard-1", i, e) for i, e in enumerate(events)]


def outage_events() -> list[Any]:
    """Three normal minutes, a minute of payment outage (every payment declined), then a minute
    whose events move the watermark past it."""
    rng = random.Random(5)
    found: list[Any] = []
    for index, decline in enumerate([0.04, 0.04, 0.04, 1.0, 0.04]):
        found += minute_of_orders(T0 + index * MINUTE, 40, decline, rng)
    return found


def ports(store: InMemoryKpiStore, bus: RecordingBus, now: datetime = T0 + 10 * MINUTE) -> Ports:
    publisher = Publisher(source="ordermesh.analytics", event_bus_name="ordermesh", bus=bus)
    return Ports(store, SETTINGS, publisher, lambda: now, lambda at: warmed(PROFILE, at))


def keeping_up(store: InMemoryKpiStore, bus: RecordingBus, batch: list[StreamRecord]) -> Ports:
    """The ports of a consumer reading ``batch`` as it arrives."""
    return ports(store, bus, max(r.arrived_at for r in batch))


def test_a_payment_outage_is_published_once_as_anomaly_detected() -> None:
    # Given a store and a bus, when the stream delivers an outage in one batch
    store, bus = InMemoryKpiStore(), RecordingBus()
    done = consume_batch(records(outage_events()), ports(store, bus))
    # Then the four final minutes were scored, and the outage's decline rate is CRITICAL
    assert done.scored.windows == 4
    assert done.published == len(done.scored.anomalies) == len(bus.entries) >= 1
    data = {d["data"]["metric"]: d["data"] for d in bus.details()}
    declines = data["payment_decline_rate"]
    assert declines["severity"] == "CRITICAL"
    assert declines["window"] == {"start": "2026-12-05T10:03:00Z", "end": "2026-12-05T10:04:00Z"}
    assert declines["observed"] == 1.0
    assert declines["expected"] == pytest.approx(0.04, abs=0.01)
    assert set(data) <= {"payment_decline_rate", "cancellation_rate"}
    assert {e.source for e in bus.entries} == {"ordermesh.analytics"}
    assert {e.detail_type for e in bus.entries} == {"AnomalyDetected"}


def test_replaying_a_whole_batch_publishes_nothing_new() -> None:
    # Given an outage consumed and published
    store, bus = InMemoryKpiStore(), RecordingBus()
    batch = records(outage_events())
    consume_batch(batch, ports(store, bus))
    published, scoring = len(bus.entries), store.scoring()
    # When the same batch is delivered again (a retry, a replay of the stream)
    again = consume_batch(batch, ports(store, bus))
    # Then nothing is counted, scored, learned or published again
    assert again.counted.counted == 0
    assert again.scored.windows == 0
    assert again.published == 0
    assert len(bus.entries) == published
    assert store.scoring() == scoring


def test_a_batch_that_makes_no_window_final_does_not_read_the_models() -> None:
    # Given the outage's windows consumed and scored
    store, bus = CountingModelReads(), RecordingBus()
    events = outage_events()
    consume_batch(records(events), ports(store, bus))
    scored_until = store.scored_until()
    # When a batch of events inside the open window arrives (no window becomes final, and no
    # look is due: the latest event time stays within its ten seconds)
    store.model_reads = 0
    at = occurred_at(events[-1])
    more = [event("placed", at, f"ord_more{n}", total=money("9.99", "EUR")) for n in range(3)]
    batch = [stream_record("shard-1", len(events) + n, e) for n, e in enumerate(more)]
    done = consume_batch(batch, ports(store, bus))
    # Then it is counted, and the models are not read
    assert done.counted.counted == 3
    assert done.scored.windows == 0
    assert store.scored_until() == scored_until
    assert store.model_reads == 0


def test_an_anomaly_scored_again_is_not_published_again() -> None:
    # Given an outage published, when the scoring forgets what it consumed (restored from an
    # older backup, say) and scores the same windows again
    store, bus = InMemoryKpiStore(), RecordingBus()
    consume_batch(records(outage_events()), ports(store, bus))
    published = len(bus.entries)
    store.scored = Scoring()
    again = consume_batch([], ports(store, bus))
    # Then it finds the same anomalies, with the same ids, and publishes none of them again
    assert again.scored.anomalies
    assert again.published == 0
    assert len(bus.entries) == published


def test_a_batch_retried_after_scoring_failed_scores_its_windows_once() -> None:
    # Given a store that fails the first scoring write after the batch was counted
    store, bus = FailingOnce(), RecordingBus()
    batch = records(outage_events())
    with pytest.raises(TimeoutError):
        consume_batch(batch, ports(store, bus))
    assert bus.entries == []
    # When the stream delivers the batch again
    retried = consume_batch(batch, ports(store, bus))
    # Then its events are not counted again, but its windows are scored (not skipped), once,
    # learning exactly what a single delivery learns
    assert retried.counted.counted == 0
    assert retried.scored.windows == 4
    once, once_bus = InMemoryKpiStore(), RecordingBus()
    consume_batch(batch, ports(once, once_bus))
    assert store.scoring() == once.scoring()
    assert [json.loads(e.detail)["data"] for e in bus.entries] == [
        json.loads(e.detail)["data"] for e in once_bus.entries
    ]


def test_the_prior_s_normal_traffic_raises_no_alarm() -> None:
    # Given models started from the prior's day, when six more hours of the same normal traffic
    # (another seed) are scored
    detector = warmed(PROFILE, T0)
    later = generate(PROFILE.seed + 1, 1, warmup_days=1, traffic=PROFILE.traffic(), start=T0)
    found = [
        s.anomaly
        for window in later.windows[:360]
        for s in detector.observe(window)
        if s.anomaly is not None
    ]
    # Then there is a verdict for every window and no anomaly
    assert not any(model.warming_up for model in detector.models.values())
    assert found == []


def _batches_of_seconds(events: list[Any], seconds: int) -> list[list[StreamRecord]]:
    """The events in batches of ``seconds`` of event time each, in order, sequence numbers
    running on, as a stream delivers them to a consumer keeping up."""
    batches: dict[int, list[Any]] = {}
    for e in events:
        at = datetime.fromisoformat(e["detail"]["metadata"]["occurredAt"])
        batches.setdefault(int((at - T0).total_seconds()) // seconds, []).append(e)
    numbered, sequence = [], 0
    for key in sorted(batches):
        numbered.append(
            [stream_record("shard-1", sequence + i, e) for i, e in enumerate(batches[key])]
        )
        sequence += len(batches[key])
    return numbered


def test_an_overwhelming_outage_is_published_before_its_window_is_final() -> None:
    # Given a consumer keeping up with the stream, batch by batch of five seconds
    store, bus = InMemoryKpiStore(), RecordingBus()
    published_at: dict[str, datetime] = {}
    for batch in _batches_of_seconds(outage_events(), 5):
        consume_batch(batch, keeping_up(store, bus, batch))
        latest = max(store.shards()["shard-1"].latest, T0)
        for data in (d["data"] for d in bus.details()):
            published_at.setdefault(data["metric"], latest)
    # Then the outage's decline rate was published CRITICAL while its minute (10:03) was open,
    # as soon as a look had the trials it needs, and once however many looks saw it again
    outage = T0 + 3 * MINUTE
    assert outage < published_at["payment_decline_rate"] < outage + MINUTE
    declines = [d["data"] for d in bus.details() if d["data"]["metric"] == "payment_decline_rate"]
    assert len(declines) == 1
    assert declines[0]["severity"] == "CRITICAL"
    assert declines[0]["window"]["start"] == "2026-12-05T10:03:00Z"
    # And the final score of the minute found the same anomaly, recorded already
    assert store.scoring().scored_until == T0 + 4 * MINUTE
    assert len({e.detail for e in bus.entries}) == len(bus.entries)


def test_looks_at_the_prior_s_normal_traffic_raise_no_alarm() -> None:
    # Given the prior's normal traffic for ten minutes, consumed five seconds at a time
    rng = random.Random(9)
    events: list[Any] = []
    for index in range(10):
        events += minute_of_orders(T0 + index * MINUTE, 40, 0.04, rng)
    store, bus = InMemoryKpiStore(), RecordingBus()
    looked = 0
    for batch in _batches_of_seconds(events, 5):
        looked += consume_batch(batch, keeping_up(store, bus, batch)).looked.windows
    # Then the open windows were looked at every ten seconds, and nothing was published
    assert looked >= 50
    assert bus.details() == []


def test_an_outage_in_the_first_minute_ever_is_looked_at_with_the_prior_s_models() -> None:
    # Given a fresh store, when the first minute the stream ever delivers is an outage
    store, bus = InMemoryKpiStore(), RecordingBus()
    first = minute_of_orders(T0, 40, 1.0, random.Random(3))
    for batch in _batches_of_seconds(first, 5):
        consume_batch(batch, keeping_up(store, bus, batch))
    # Then its decline rate is published while it is open, from the prior's models
    assert store.scoring().models == {}
    assert store.final_watermark() is not None
    assert store.final_watermark() < T0 + MINUTE
    assert [d["data"]["metric"] for d in bus.details()].count("payment_decline_rate") == 1


def test_a_reader_catching_up_on_a_backlog_does_not_look_and_alerts_when_windows_are_final() -> (
    None
):
    # Given the outage read from a backlog: the same five-second batches, read ten minutes
    # after the last of them happened (more than the allowed lateness behind)
    store, bus = InMemoryKpiStore(), RecordingBus()
    looked = 0
    for batch in _batches_of_seconds(outage_events(), 5):
        looked += consume_batch(batch, ports(store, bus, T0 + 15 * MINUTE)).looked.windows
    # Then no open window was looked at, and the outage was still published once, CRITICAL,
    # by the final score of its minute
    assert looked == 0
    declines = [d["data"] for d in bus.details() if d["data"]["metric"] == "payment_decline_rate"]
    assert [(d["severity"], d["window"]["start"]) for d in declines] == [
        ("CRITICAL", "2026-12-05T10:03:00Z")
    ]
