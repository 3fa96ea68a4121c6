"""A daily profile: one factor per time-of-day bucket, read and learned between bucket centres.

Multiplicative for quantities that scale with the level (orders, rates, order values): the factors
average 1. Additive for any other gauge: the offsets average 0. A value between two bucket
centres is read by linear interpolation, so a smooth daily curve needs few buckets; an update
moves the two neighbouring factors in proportion to how close the time is to each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

MINUTES_PER_DAY = 1440.0


def minute_of_day(at: datetime) -> float:
    return at.hour * 60.0 + at.minute + (at.second + at.microsecond / 1e6) / 60.0


class DailyProfile:
    def __init__(self, factors: Sequence[float], *, multiplicative: bool) -> None:
        self.factors = list(factors)
        self.multiplicative = multiplicative
        self._width = MINUTES_PER_DAY / len(self.factors)

    @classmethod
    def fitted(cls, means: Sequence[float], level: float, *, multiplicative: bool) -> DailyProfile:
        """The profile whose buckets have these means around this level."""
        if multiplicative:
            scale = level if level > 0 else 1.0
            return cls([max(m, 0.0) / scale for m in means], multiplicative=True)
        return cls([m - level for m in means], multiplicative=False)

    def bucket(self, at: datetime) -> int:
        return int(minute_of_day(at) // self._width) % len(self.factors)

    def _neighbours(self, at: datetime) -> tuple[int, int, float]:
        position = minute_of_day(at) / self._width - 0.5
        lower = math.floor(position)
        weight = position - lower
        count = len(self.factors)
        return lower % count, (lower + 1) % count, weight

    def factor(self, at: datetime) -> float:
        lower, upper, weight = self._neighbours(at)
        return (1.0 - weight) * self.factors[lower] + weight * self.factors[upper]

    def apply(self, level: float, at: datetime) -> float:
        """The expected value at this time for this level."""
        factor = self.factor(at)
        return level * factor if self.multiplicative else level + factor

    def remove(self, value: float, at: datetime) -> float:
        """The level this value stands for at this time (the value with the profile taken out)."""
        factor = self.factor(at)
        if self.multiplicative:
            return value / factor if factor > 0 else value
        return value - factor

    def learn(self, value: float, level: float, at: datetime, rate: float) -> None:
        """Move the factors at this time towards what this value says, by ``rate``."""
        if self.multiplicative:
            if level <= 0:
                return
            target = value / level
        else:
            target = value - level
        lower, upper, weight = self._neighbours(at)
        error = target - ((1.0 - weight) * self.factors[lower] + weight * self.factors[upper])
        self.factors[lower] += rate * (1.0 - weight) * error
        self.factors[upper] += rate * weight * error
        if self.multiplicative:
            self.factors[lower] = max(self.factors[lower], 0.0)
            self.factors[upper] = max(self.factors[upper], 0.0)

    def recentre(self, level: float) -> float:
        """Centre the factors again (mean 1, or 0) and return the level that keeps every
        expectation as it was, so that the level alone carries drift."""
        mean = sum(self.factors) / len(self.factors)
        if self.multiplicative:
            if mean <= 0:
                return level
            self.factors = [f / mean for f in self.factors]
            return level * mean
        self.factors = [f - mean for f in self.factors]
        return level + mean
