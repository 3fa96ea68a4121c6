"""Tumbling windows by event time: one minute, rolled up to five minutes, an hour and a day.

Windows are aligned to the epoch in UTC, so every one-minute window lies in exactly one window
of each coarser granularity and a rollup is the sum of the minutes inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class Granularity(StrEnum):
    MINUTE = "1m"
    FIVE_MINUTES = "5m"
    HOUR = "1h"
    DAY = "1d"

    @property
    def seconds(self) -> int:
        return _SECONDS[self]

    @property
    def length(self) -> timedelta:
        return timedelta(seconds=self.seconds)


_SECONDS = {
    Granularity.MINUTE: 60,
    Granularity.FIVE_MINUTES: 300,
    Granularity.HOUR: 3600,
    Granularity.DAY: 86400,
}
ROLLUPS = (Granularity.FIVE_MINUTES, Granularity.HOUR, Granularity.DAY)


@dataclass(frozen=True, order=True)
class WindowKey:
    """One window: its granularity and its start (UTC, aligned to the granularity)."""

    granularity: Granularity
    start: datetime

    @property
    def end(self) -> datetime:
        return self.start + self.granularity.length

    @classmethod
    def containing(cls, granularity: Granularity, at: datetime) -> WindowKey:
        return cls(granularity, floor(at, granularity))

    def rollups(self) -> tuple[WindowKey, ...]:
        """This minute window and the five-minute, hour and day windows it lies in."""
        return (self, *(WindowKey.containing(g, self.start) for g in ROLLUPS))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def floor(at: datetime, granularity: Granularity) -> datetime:
    seconds = int((at - _EPOCH).total_seconds() // granularity.seconds) * granularity.seconds
    return _EPOCH + timedelta(seconds=seconds)


def windows_ending_in(
    granularity: Granularity, after: datetime, up_to: datetime
) -> list[WindowKey]:
    """The windows of ``granularity`` whose end lies in ``(after, up_to]``, oldest first."""
    step = granularity.length
    start = floor(after, granularity)  # its end is after ``after``
    found = []
    while start + step <= up_to:
        found.append(WindowKey(granularity, start))
        start += step
    return found
