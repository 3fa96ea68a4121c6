"""One batch of a shard's events into what each adds to which window: pure, no I/O.

Events are judged in arrival order against the shard's progress: a duplicate (an event id
already counted, or seen earlier in the batch) adds nothing; a late one adds one to
``late_events`` of its window; any other adds its counters to its minute window, and one to
``revisions`` when the shard had already delivered an event after that window's end. Each
event's ``Effect`` is separate, so a store can apply them in chunks, each chunk atomically with
the record that its events were counted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from . import counters as c
from . import sketch
from .facts import Counts, Fact, SagaMark
from .watermark import ShardState, WindowSettings
from .window import Granularity, WindowKey


@dataclass(frozen=True)
class SagaState:
    """What is known of one saga (by correlation id) until both its ends are."""

    correlation_id: str
    started_at: datetime | None = None
    finished_at: datetime | None = None
    outcome: SagaMark | None = None


@dataclass(frozen=True)
class Effect:
    """What counting one event changes: counters of minute windows, and the saga record
    (``saga_write``: the record to keep, or None to delete it once both ends were counted)."""

    event_id: str
    counts: tuple[tuple[WindowKey, Counts], ...]
    saga_id: str | None = None
    saga_write: SagaState | None = None

    @property
    def minute(self) -> WindowKey:
        """The minute window of the event's own time (its first counts are there)."""
        return self.counts[0][0]


@dataclass(frozen=True)
class Known:
    """What the store knows before a batch: the shard's state (None for a shard never seen),
    the final watermark, which of the batch's event ids are already counted and the stored
    sagas of the batch's correlation ids."""

    shard: ShardState | None
    final: datetime | None
    counted: Collection[str] = frozenset()
    sagas: Mapping[str, SagaState] = field(default_factory=dict)


@dataclass
class Processed:
    effects: list[Effect] = field(default_factory=list)
    shard: ShardState | None = None
    duplicates: int = 0
    late: int = 0


def process(
    facts: Sequence[Fact],
    shard_id: str,
    known: Known,
    settings: WindowSettings,
    *,
    now: datetime,
    arrived: datetime,
) -> Processed:
    """The effects of a shard's batch of events in arrival order, and the shard's new state
    (``now`` is the processing time, ``arrived`` the newest arrival time of the batch)."""
    latest = None if known.shard is None else known.shard.latest
    batch = _Batch(latest, known.final, settings, dict(known.sagas))
    seen = set(known.counted)
    out = Processed()
    for fact in facts:
        if fact.event_id in seen:
            out.duplicates += 1
        else:
            seen.add(fact.event_id)
            effect = batch.count(fact)
            out.late += effect is None
            out.effects.append(effect or _late(fact))
        if batch.latest is None or fact.occurred_at > batch.latest:
            batch.latest = fact.occurred_at
    if batch.latest is not None:
        out.shard = ShardState(shard_id, batch.latest, now, arrived)
    return out


def _late(fact: Fact) -> Effect:
    minute = WindowKey.containing(Granularity.MINUTE, fact.occurred_at)
    return Effect(fact.event_id, ((minute, ((c.LATE_EVENTS, 1),)),))


@dataclass
class _Batch:
    latest: datetime | None
    final: datetime | None
    settings: WindowSettings
    sagas: dict[str, SagaState]

    def horizon(self) -> datetime | None:
        """Windows ending at or before it are final: the shard's watermark or the final one."""
        found = [self.final] if self.final is not None else []
        if self.latest is not None:
            found.append(self.latest - self.settings.allowed_lateness)
        return max(found, default=None)

    def open(self, window: WindowKey) -> bool:
        horizon = self.horizon()
        return horizon is None or window.end > horizon

    def count(self, fact: Fact) -> Effect | None:
        """The event's effect, or None when it is late."""
        minute = WindowKey.containing(Granularity.MINUTE, fact.occurred_at)
        if not self.open(minute):
            return None
        counts = fact.all_counts()
        if self.latest is not None and minute.end <= self.latest:
            counts = (*counts, (c.REVISIONS, 1))
        found = [(minute, counts)]
        if fact.saga is None:
            return Effect(fact.event_id, tuple(found))
        cid = fact.correlation_id
        state = self._mark(self.sagas.get(cid, SagaState(cid)), fact)
        duration = self._duration(state)
        if duration is None:
            self.sagas[cid] = state
            return Effect(fact.event_id, tuple(found), cid, state)
        self.sagas.pop(cid, None)
        found.append(duration)
        return Effect(fact.event_id, tuple(found), cid, None)

    @staticmethod
    def _mark(state: SagaState, fact: Fact) -> SagaState:
        if fact.saga is SagaMark.STARTED:
            return SagaState(
                state.correlation_id, fact.occurred_at, state.finished_at, state.outcome
            )
        return SagaState(state.correlation_id, state.started_at, fact.occurred_at, fact.saga)

    def _duration(self, state: SagaState) -> tuple[WindowKey, Counts] | None:
        """Once both ends are known: the duration, in the outcome's window if still open."""
        if state.started_at is None or state.finished_at is None or state.outcome is None:
            return None
        window = WindowKey.containing(Granularity.MINUTE, state.finished_at)
        if not self.open(window):
            return window, ()
        millis = max((state.finished_at - state.started_at).total_seconds() * 1000, 0.0)
        index = sketch.bucket(millis)
        return window, (
            (c.name(c.SAGA_DURATION, bucket=str(index)), 1),
            (c.name(c.SAGA_DURATION, outcome=state.outcome.value, bucket=str(index)), 1),
        )
