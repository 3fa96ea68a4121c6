"""Use case: count a batch of the analytics stream's records into the KPI windows.

Per shard (a Kinesis batch holds one): read the records, ask the store which events are
already counted, which sagas are waiting and how far the shard and the final watermark are,
judge the events in arrival order (pure domain), apply their effects (storage writes batched,
atomic per chunk) and save the shard's progress. Before counting, the shard's batch is recorded
as held, and the progress saved after it releases the hold when every record was counted: a
batch that fails again and again (retried, bisected) keeps its shard from being taken as idle,
so the other shards do not make its events late. Then move the final watermark; the windows it
passed are returned as having become final (what anomaly scoring starts from). A record that
is not an ordermesh event is reported as failed and counts nothing (its batch stays held: the
stream retries from it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from analytics_service.adapters.ports import AlreadyCountedError, KpiStore
from analytics_service.domain.windows import (
    Effect,
    Fact,
    Held,
    Known,
    ShardState,
    WindowKey,
    WindowSettings,
    became_final,
    final_watermark,
    process,
    sequence_key,
    unseen_shards,
)
from analytics_service.service_layer.reading import UnreadableEventError, read


@dataclass(frozen=True)
class StreamRecord:
    shard_id: str
    sequence_number: str
    data: bytes
    arrived_at: datetime  # when the stream took the record (``approximateArrivalTimestamp``)


@dataclass
class Counted:
    counted: int = 0  # events recorded (late ones too: in late_events)
    duplicates: int = 0
    late: int = 0
    failed: list[str] = field(default_factory=list)  # sequence numbers of unreadable records
    became_final: list[WindowKey] = field(default_factory=list)
    # The latest event time the batch's shards had delivered, before and after it.
    latest_before: datetime | None = None
    latest_after: datetime | None = None


def count_events(
    records: Sequence[StreamRecord], store: KpiStore, settings: WindowSettings, now: datetime
) -> Counted:
    result = Counted()
    by_shard: dict[str, list[StreamRecord]] = {}
    for record in records:
        by_shard.setdefault(record.shard_id, []).append(record)
    first: datetime | None = None
    for shard_id, shard_records in by_shard.items():
        first = _earlier(first, _count_shard(shard_id, shard_records, store, settings, now, result))
    reached = min((r.arrived_at for r in records), default=None)
    if reached is None:
        return result
    if first is not None:
        for unseen in unseen_shards(store.shards(), by_shard, (first, reached), now, settings):
            store.save_shard(unseen)
    result.became_final = _advance_final(store, settings, (now, reached), first)
    return result


def _count_shard(
    shard_id: str,
    records: list[StreamRecord],
    store: KpiStore,
    settings: WindowSettings,
    now: datetime,
    result: Counted,
) -> datetime | None:
    """Count one shard's records; the earliest event time among them (None: none readable)."""
    facts: list[Fact] = []
    unreadable = len(result.failed)
    for record in records:
        try:
            facts.append(read(record.data))
        except UnreadableEventError:
            result.failed.append(record.sequence_number)
    first = min((f.occurred_at for f in facts), default=None)
    last = sequence_key(records[-1].sequence_number)
    earliest_arrival = min(r.arrived_at for r in records)
    held = Held(last, now)
    store.hold(ShardState(shard_id, first or earliest_arrival, now, earliest_arrival, held))
    if first is None:
        return None
    known = Known(
        shard=store.shards().get(shard_id),
        final=store.final_watermark(),
        counted=store.counted({f.event_id for f in facts}),
        sagas=store.sagas({f.correlation_id for f in facts if f.saga is not None}),
    )
    arrived = max(r.arrived_at for r in records)
    processed = process(facts, shard_id, known, settings, now=now, arrived=arrived)
    applied = _apply(store, processed.effects, now)
    result.counted += applied
    result.duplicates += processed.duplicates + len(processed.effects) - applied
    result.late += processed.late
    if processed.shard is not None:
        done = last if len(result.failed) == unreadable else None
        store.save_shard(processed.shard, done)
    before = known.shard.latest if known.shard is not None else None
    after = processed.shard.latest if processed.shard is not None else before
    result.latest_before = _later(result.latest_before, before)
    result.latest_after = _later(result.latest_after, after)
    return first


def _earlier(one: datetime | None, other: datetime | None) -> datetime | None:
    return other if one is None else one if other is None else min(one, other)


def _later(one: datetime | None, other: datetime | None) -> datetime | None:
    return other if one is None else one if other is None else max(one, other)


def _apply(store: KpiStore, effects: list[Effect], now: datetime) -> int:
    """Apply ``effects``, leaving out any found already counted meanwhile; how many applied."""
    while effects:
        try:
            store.apply(effects, now)
        except AlreadyCountedError as error:
            effects = [e for e in effects if e.event_id not in error.event_ids]
        else:
            break
    return len(effects)


def _advance_final(
    store: KpiStore,
    settings: WindowSettings,
    times: tuple[datetime, datetime],
    first: datetime | None,
) -> list[WindowKey]:
    """Move the final watermark at ``times`` (processing time, the batch's oldest arrival)."""
    now, reached = times
    before = store.final_watermark()
    candidate = final_watermark(store.shards().values(), now, reached, settings)
    if candidate is None or (before is not None and candidate <= before):
        return []
    if before is None and first is None:
        return []
    if not store.advance_final(before, candidate):
        return []  # another invocation moved it, and reports what it passed
    return became_final(before, candidate, first or candidate)
