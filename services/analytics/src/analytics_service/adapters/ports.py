"""The KPI store: windows' counters, the record of which events were counted, the shards'
progress, the final watermark and the sagas waiting for their other end.

``apply`` is the one write of a batch's counting: it adds the effects' counters to their
windows (every granularity), records their event ids as counted and keeps or deletes their
sagas. It is atomic per chunk of effects (all of a chunk or none) and refuses a chunk holding
an event already counted (``AlreadyCountedError`` names them; nothing of that chunk changed),
so applying a batch again after a partial failure counts each event once. A store may split a
batch into several chunks (DynamoDB: a transaction holds at most 100 items).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

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
    def save_shard(self, state: ShardState) -> None:
        """Store a shard's progress: its latest event time never goes back."""

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

    def anomalies(self, since: datetime) -> list[Anomaly]:  # noqa: ARG002 - see below
        """The anomalies detected in windows ending after ``since``, oldest first (what the
        analytics API and the dashboard show). Nothing stores anomalies yet: until anomaly
        scoring keeps what it publishes, and the store that keeps them answers here, none."""
        return []


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(at: datetime) -> int:
    """A time as whole microseconds since the epoch (stored times compare as numbers)."""
    delta = at - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(value))
