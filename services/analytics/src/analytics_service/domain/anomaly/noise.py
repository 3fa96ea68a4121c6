"""What a value of each kind of series is, and how far it is from what was expected.

Each kind turns an observation into a residual ``z0`` whose variance is known up to one factor
the model learns (the dispersion): for counts and rates that factor is 1 when the noise is
exactly Poisson or binomial, so few events give small residuals however far the value moves.
"""

from __future__ import annotations

import math
from enum import StrEnum

_EPSILON = 1e-9


class SeriesKind(StrEnum):
    COUNT = "count"  # events in a window (Poisson): orders per minute
    RATE = "rate"  # successes over trials, the weight being the trials (binomial): decline rate
    MEAN = "mean"  # the mean of `weight` items (spread per item learned): average order value
    GAUGE = "gauge"  # any measured value (spread learned): a latency, a temperature

    @property
    def weighted(self) -> bool:
        """The value means nothing without the count behind it."""
        return self in {SeriesKind.RATE, SeriesKind.MEAN}

    @property
    def multiplicative(self) -> bool:
        """The daily profile scales the level (non-negative quantities) rather than adding to it."""
        return self is not SeriesKind.GAUGE

    @property
    def dispersion_floor(self) -> float:
        """Counts and rates are never less noisy than Poisson or binomial noise."""
        return 1.0 if self in {SeriesKind.COUNT, SeriesKind.RATE} else _EPSILON

    def expected(self, value: float) -> float:
        """A baseline value brought into the range the kind allows."""
        if self is SeriesKind.RATE:
            return min(max(value, 1e-6), 1.0 - 1e-6)
        if self is SeriesKind.COUNT:
            return max(value, 0.0)
        return value

    def residual(self, observed: float, expected: float, weight: float) -> float:
        """The residual in variance-stabilised units (unit variance under the kind's own noise).

        Counts use Anscombe's square root (``2 sqrt(x + 3/8)``), rates Anscombe's arcsine with the
        trials behind them, means the difference scaled by the square root of the items.
        """
        if self is SeriesKind.COUNT:
            return 2.0 * (math.sqrt(max(observed, 0.0) + 0.375) - math.sqrt(expected + 0.375))
        if self is SeriesKind.RATE:
            return (
                2.0 * math.sqrt(weight) * (_arcsine(observed, weight) - _arcsine(expected, weight))
            )
        if self is SeriesKind.MEAN:
            return (observed - expected) * math.sqrt(weight)
        return observed - expected


def _arcsine(rate: float, trials: float) -> float:
    """Anscombe's arcsine transform of a proportion of ``trials``."""
    successes = min(max(rate, 0.0), 1.0) * trials
    return math.asin(math.sqrt((successes + 0.375) / (trials + 0.75)))
