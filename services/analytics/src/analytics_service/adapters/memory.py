"""The KPI store in memory: the fake the use cases' unit tests run against."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime

from analytics_service.adapters.ports import (
    AlreadyCountedError,
    KpiStore,
    RecordedAnomaly,
    Scoring,
)
from analytics_service.domain.anomaly import Anomaly
from analytics_service.domain.windows import (
    DEFAULT_MAX_VALUES,
    OTHER,
    Counters,
    Effect,
    Granularity,
    Held,
    SagaState,
    ShardState,
    WindowKey,
    WindowKpis,
    capped,
)
from analytics_service.domain.windows.cap import prefix
from analytics_service.domain.windows.counters import add


class InMemoryKpiStore(KpiStore):
    def __init__(self, *, max_values: int = DEFAULT_MAX_VALUES) -> None:
        self.max_values = max_values
        self.counters: dict[WindowKey, Counters] = {}
        self.counted_at: dict[str, datetime] = {}
        self.saga_states: dict[str, SagaState] = {}
        self.shard_states: dict[str, ShardState] = {}
        self.final: datetime | None = None
        self.scored = Scoring()
        self.recorded: dict[str, RecordedAnomaly] = {}

    def counted(self, event_ids: Collection[str]) -> set[str]:
        return {i for i in event_ids if i in self.counted_at}

    def apply(self, effects: Sequence[Effect], now: datetime) -> None:
        already = self.counted({e.event_id for e in effects})
        if already:
            raise AlreadyCountedError(already)
        for window, added in capped(effects, self, self.max_values).items():
            add(self.counters.setdefault(window, {}), added.counters.items())
        for effect in effects:
            self.counted_at[effect.event_id] = now
            if effect.saga_id is None:
                continue
            if effect.saga_write is None:
                self.saga_states.pop(effect.saga_id, None)
            else:
                self.saga_states[effect.saga_id] = effect.saga_write

    def present(self, window: WindowKey, counters: Collection[str]) -> set[str]:
        held = self.counters.get(window, {})
        return {name for name in counters if name in held}

    def held(self, window: WindowKey, dimension: str) -> int:
        start = prefix(dimension)
        names = self.counters.get(window, {})
        return sum(1 for n in names if n.startswith(start) and n != start + OTHER)

    def sagas(self, correlation_ids: Collection[str]) -> dict[str, SagaState]:
        return {c: self.saga_states[c] for c in correlation_ids if c in self.saga_states}

    def shards(self) -> dict[str, ShardState]:
        return dict(self.shard_states)

    def save_shard(self, state: ShardState, done: str | None = None) -> None:
        stored = self.shard_states.get(state.shard_id)
        if stored is not None:
            latest, arrived = max(stored.latest, state.latest), max(stored.arrived, state.arrived)
            held = stored.held
            if held is not None and done is not None and held.through <= done:
                held = None
            state = ShardState(state.shard_id, latest, state.seen_at, arrived, held)
        self.shard_states[state.shard_id] = state

    def hold(self, state: ShardState) -> None:
        held = state.held
        if held is None:
            raise ValueError("a hold is a shard state with held")
        stored = self.shard_states.get(state.shard_id)
        if stored is None:
            self.shard_states[state.shard_id] = state
        else:
            through = (
                held.through if stored.held is None else max(stored.held.through, held.through)
            )
            self.shard_states[state.shard_id] = replace(stored, held=Held(through, held.since))

    def final_watermark(self) -> datetime | None:
        return self.final

    def advance_final(self, before: datetime | None, after: datetime) -> bool:
        if self.final != before:
            return False
        self.final = after
        return True

    def windows(self, granularity: Granularity, start: datetime, end: datetime) -> list[WindowKpis]:
        return [
            WindowKpis(key, dict(counters))
            for key, counters in sorted(self.counters.items())
            if key.granularity is granularity and start <= key.start < end
        ]

    def scored_until(self) -> datetime | None:
        return self.scored.scored_until

    def scoring(self) -> Scoring:
        return self.scored

    def save_scoring(
        self, before: datetime | None, after: Scoring, anomalies: Sequence[Anomaly]
    ) -> bool:
        if self.scored.scored_until != before:
            return False
        self.scored = Scoring(after.scored_until, {**self.scored.models, **after.models})
        for anomaly in anomalies:
            self.recorded.setdefault(anomaly.anomaly_id, RecordedAnomaly(anomaly))
        return True

    def unpublished(self, limit: int) -> list[Anomaly]:
        waiting = [r.anomaly for r in self.recorded.values() if r.published_at is None]
        return sorted(waiting, key=lambda a: (a.start, a.anomaly_id))[:limit]

    def mark_published(self, anomalies: Sequence[Anomaly], now: datetime) -> None:
        for anomaly_id in (a.anomaly_id for a in anomalies):
            if anomaly_id in self.recorded:
                self.recorded[anomaly_id] = RecordedAnomaly(self.recorded[anomaly_id].anomaly, now)

    def anomalies(self, start: datetime, end: datetime) -> list[RecordedAnomaly]:
        found = [r for r in self.recorded.values() if start <= r.anomaly.start < end]
        return sorted(found, key=lambda r: (r.anomaly.start, r.anomaly.anomaly_id))
