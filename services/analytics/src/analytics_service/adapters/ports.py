"""The KPI store: windows' counters, the record of which events were counted, the shards'
progress, the final watermark and the sagas waiting for their other end.

``apply`` is the one write of a batch's counting: it adds the effects' counters to their
windows (every granularity), records their event ids as counted and keeps or deletes their
sagas. It is atomic per chunk of effects (all of a chunk or none) and refuses a chunk holding
an event already counted (``AlreadyCountedError`` names them; nothing of that chunk changed),
so applying a batch again after a partial failure counts each event once. A store may split a
batch into several chunks (DynamoDB: a transaction holds at most 100 items).

The anomaly scoring keeps beside the windows what it consumed and learned (``Scoring``: the end
of the last minute window scored and each series' model state) and the anomalies it found.
``save_scoring`` writes all three in one atomic write, conditional on the scoring having
consumed exactly what the caller read: a retried or concurrent invocation either finds the
windows already consumed or writes nothing, so a model never learns a window twice nor skips
one. An anomaly is recorded once per anomaly id, unpublished until ``mark_published``: the
record is both the outbox the publisher drains and the idempotency record that keeps an anomaly
found again from being published again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from analytics_service.domain.anomaly import Anomaly
from analytics_service.domain.windows import (
    Effect,
    Granularity,
    SagaState,
    ShardState,
    WindowKpis,
)

# How long the record of a counted event is kept: beyond the stream's retention (24 hours) and
# what a replay of the bus archive is expected to resend.
COUNTED_RETENTION = timedelta(days=7)
# A saga whose other end has not come within this is forgotten (its duration is not measured).
SAGA_RETENTION = timedelta(days=2)


ModelStates = Mapping[str, Mapping[str, Any]]  # series name -> the model's state (JSON values)


@dataclass(frozen=True)
class Scoring:
    """What the anomaly scoring consumed (windows ending at or before ``scored_until``) and
    learned (each series' model state, by ``SeriesKey.text``)."""

    scored_until: datetime | None = None
    models: ModelStates = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedAnomaly:
    anomaly: Anomaly
    published_at: datetime | None = None


class AlreadyCountedError(Exception):
    def __init__(self, event_ids: Collection[str]) -> None:
        super().__init__(f"{len(event_ids)} event(s) already counted")
        self.event_ids = frozenset(event_ids)


class KpiStore(ABC):
    @abstractmethod
    def counted(self, event_ids: Collection[str]) -> set[str]:
        """Which of ``event_ids`` are already counted."""

    @abstractmethod
    def apply(self, effects: Sequence[Effect], now: datetime) -> None:
        """Count ``effects`` (see the module's description)."""

    @abstractmethod
    def sagas(self, correlation_ids: Collection[str]) -> dict[str, SagaState]:
        """The stored sagas among ``correlation_ids``."""

    @abstractmethod
    def shards(self) -> dict[str, ShardState]:
        """Every shard's progress, by shard id."""

    @abstractmethod
    def save_shard(self, state: ShardState, done: str | None = None) -> None:
        """Store a shard's progress: its latest event time never goes back. ``done``: the
        ``sequence_key`` of the last record of a batch done with (every record counted), which
        releases a hold through at most it."""

    @abstractmethod
    def hold(self, state: ShardState) -> None:
        """Record ``state.held``, a batch delivered and not yet done with: a shard not stored is
        stored as ``state``; a stored one keeps its progress, its hold's ``through`` never goes
        back (a part of a bisected batch) and its ``since`` is set (the latest delivery)."""

    @abstractmethod
    def final_watermark(self) -> datetime | None: ...

    @abstractmethod
    def advance_final(self, before: datetime | None, after: datetime) -> bool:
        """Move the final watermark from ``before`` to ``after`` if it is still ``before``
        (compare and set); whether it moved."""

    @abstractmethod
    def windows(self, granularity: Granularity, start: datetime, end: datetime) -> list[WindowKpis]:
        """The windows of ``granularity`` starting in ``[start, end)`` that have counters, oldest
        first."""

    # --- anomaly scoring ----------------------------------------------------------------------
    @abstractmethod
    def scoring(self) -> Scoring:
        """What the scoring consumed and learned (an empty ``Scoring`` before the first)."""

    @abstractmethod
    def scored_until(self) -> datetime | None:
        """How far the scoring has consumed: ``scoring().scored_until`` without reading the
        models (every batch asks; the models are read only when a window is due)."""

    @abstractmethod
    def save_scoring(
        self, before: datetime | None, after: Scoring, anomalies: Sequence[Anomaly]
    ) -> bool:
        """If the scoring consumed up to ``before`` still: in one atomic write, move it to
        ``after.scored_until``, store ``after.models`` (other series' states are kept) and
        record each anomaly whose id is not recorded yet, unpublished. Whether it was written.
        """

    @abstractmethod
    def unpublished(self, limit: int) -> list[Anomaly]:
        """Up to ``limit`` recorded anomalies not yet published, oldest window first."""

    @abstractmethod
    def mark_published(self, anomalies: Sequence[Anomaly], now: datetime) -> None: ...

    @abstractmethod
    def anomalies(self, start: datetime, end: datetime) -> list[RecordedAnomaly]:
        """The recorded anomalies of windows starting in ``[start, end)``, oldest first."""


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(at: datetime) -> int:
    """A time as whole microseconds since the epoch (stored times compare as numbers)."""
    delta = at - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(value))
