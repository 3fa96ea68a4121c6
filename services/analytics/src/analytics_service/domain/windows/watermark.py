"""Event-time progress: a watermark per shard and the finality of windows across shards.

A shard's watermark is the latest event time it has delivered minus the allowed lateness.
Windows are shared by every shard, so a window is final when the watermark of every shard still
delivering has passed its end: the final watermark is the lowest watermark of the shards not
idle, so a shard without traffic does not hold windows open for ever. It only moves forward. An
event is late when its minute window ended at or before its shard's watermark or the final
watermark: it is counted in ``late_events`` and left to the lake.

A shard is idle when two clocks agree (``ShardState.idle``). By processing time: it delivered
nothing for ``idle_after``. By arrival time (the stream's ``approximateArrivalTimestamp``): the
newest record it delivered arrived more than ``idle_after`` before the oldest record of the batch
being counted, where the consumer has got to on the stream. Processing time alone takes every
shard for idle after a consumer restart, when the first batch read is a backlog and the others
were last seen before the downtime; arrival time alone takes a shard for idle while the consumer
catches up on a backlog, because the shards' readers move through arrival time at different
speeds (a shard with less traffic covers more of it per batch). A stalled consumer declares no
shard idle by itself: the first batch after it resumes arrived long ago.

A shard whose reader keeps failing (a batch retried, bisected, retried again) is held: each
delivery of a batch is recorded as a hold (``Held``) before it is counted, and the hold is
released once a batch done with reaches its last record. A held shard is not idle, so its
records still to come are not made late by the other shards, until no delivery has come for
``held_for``: longer than the mapping waits between two attempts of a batch, so by then it
has given up and discarded the batch to its on-failure destination, and the discarded records
stop holding the windows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .window import Granularity, WindowKey, windows_ending_in

DEFAULT_LATENESS = timedelta(minutes=2)
DEFAULT_IDLE_AFTER = timedelta(minutes=1)
DEFAULT_HELD_FOR = timedelta(minutes=5)
# Kinesis sequence numbers are decimal strings of up to 129 digits: padded to that width, they
# compare as text in the order of the stream.
SEQUENCE_DIGITS = 129
# Windows that end more than this before the final watermark are not reported as having become
# final when the watermark first jumps there (after a pause, or on the first batch).
MAX_FINAL_SPAN = timedelta(days=1)
# Stands for the shards of a stream whose shards are not known (``WindowSettings.shards`` empty)
# that have not delivered yet when the consumer counts its first batch.
OTHER_SHARDS = "other-shards-not-seen-yet"


@dataclass(frozen=True)
class WindowSettings:
    allowed_lateness: timedelta = DEFAULT_LATENESS
    idle_after: timedelta = DEFAULT_IDLE_AFTER
    # How long a held shard (records delivered, not yet done with) keeps holding the windows
    # after its last delivery: beyond the mapping's wait between retries, it was discarded.
    held_for: timedelta = DEFAULT_HELD_FOR
    # The stream's shards, when known: one not seen yet holds the final watermark (see
    # ``unseen_shards``) instead of being left out as if idle. Unknown (a stream whose shards
    # change), ``OTHER_SHARDS`` holds it at the first batch.
    shards: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.allowed_lateness < timedelta(0) or self.idle_after <= timedelta(0):
            raise ValueError("allowed lateness must be at least 0 and idle_after above 0")
        if self.held_for < self.idle_after:
            raise ValueError("held_for must be at least idle_after")


def sequence_key(sequence_number: str) -> str:
    """A sequence number as text that sorts in the stream's order."""
    return sequence_number.zfill(SEQUENCE_DIGITS)


@dataclass(frozen=True)
class Held:
    """A shard's records delivered and not yet done with: up to ``through`` (a ``sequence_key``),
    last delivered at ``since`` (processing time)."""

    through: str
    since: datetime


@dataclass(frozen=True)
class ShardState:
    """What one shard has delivered: its latest event time, when it last delivered (processing
    time), the newest arrival time of the records it delivered, and what it holds (a batch
    delivered and not yet done with)."""

    shard_id: str
    latest: datetime
    seen_at: datetime
    arrived: datetime
    held: Held | None = None

    def watermark(self, settings: WindowSettings) -> datetime:
        return self.latest - settings.allowed_lateness

    def idle(self, now: datetime, reached: datetime, settings: WindowSettings) -> bool:
        """Whether the shard no longer holds windows open, at processing time ``now`` with the
        consumer at arrival time ``reached`` (the oldest arrival of the batch being counted)."""
        if self.held is not None and now - self.held.since <= settings.held_for:
            return False
        quiet = now - self.seen_at > settings.idle_after
        passed = reached - self.arrived > settings.idle_after
        return quiet and passed


def final_watermark(
    shards: Iterable[ShardState], now: datetime, reached: datetime, settings: WindowSettings
) -> datetime | None:
    """The lowest watermark of the shards not idle (of all, if every one is)."""
    known = list(shards)
    active = [s for s in known if not s.idle(now, reached, settings)] or known
    if not active:
        return None
    return min(s.watermark(settings) for s in active)


def unseen_shards(
    known: Iterable[str],
    batch: Iterable[str],
    first: tuple[datetime, datetime],
    now: datetime,
    settings: WindowSettings,
) -> list[ShardState]:
    """The shards expected but not seen yet, each registered as if it had delivered the batch's
    earliest event (``first``: its event time and its arrival time): until its first batch, or
    until it is idle, it holds the final watermark where its backlog may start, so that backlog
    is not late. The stream's shards when they are known; else, when no shard but the
    ``batch``'s is known (the consumer's first batch), ``OTHER_SHARDS``, standing for the shards
    whose first batch is still to come."""
    seen = set(known)
    expected = settings.shards
    if not expected and seen <= set(batch):
        expected = (OTHER_SHARDS,)
    latest, arrived = first
    return [ShardState(s, latest, now, arrived) for s in expected if s not in seen]


def became_final(before: datetime | None, now_final: datetime, first: datetime) -> list[WindowKey]:
    """The windows of every granularity that the final watermark passed in moving from
    ``before`` (None: from ``first``, the earliest event the batch saw) to ``now_final``."""
    start = before if before is not None else first
    start = max(start, now_final - MAX_FINAL_SPAN)
    return [key for g in Granularity for key in windows_ending_in(g, start, now_final)]
