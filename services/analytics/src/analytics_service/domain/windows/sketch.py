"""Saga durations as a DDSketch (Masson, Rim and Lee, VLDB 2019): values in logarithmic buckets.

A value ``x`` goes to bucket ``ceil(log_gamma(x))`` with ``gamma = (1 + a) / (1 - a)``; a bucket
is read back as ``2 gamma^i / (gamma + 1)``, within a relative error ``a`` of every value in it.
So a quantile read from the sketch is within ``a`` (here 1%) of the exact quantile of the values
counted, for any distribution. Buckets are plain counters: sketches merge by adding them, which
is what a rollup, a retried batch (never applied twice) and a DynamoDB ``ADD`` need. Values at
or below ``MIN_VALUE`` share one bucket, read as 0; values above ``MAX_VALUE`` share its bucket,
so a window holds at most ``MAX_BUCKETS`` buckets whatever event times a producer sends.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

RELATIVE_ACCURACY = 0.01
GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
_LOG_GAMMA = math.log(GAMMA)
MIN_VALUE = 1.0  # one millisecond
# Two days: a saga's waiting end is kept that long (``ports.SAGA_RETENTION``), so no measured
# duration is longer unless its event times are wrong.
MAX_VALUE = 2 * 86_400_000.0
ZERO_BUCKET = -(2**31)


def bucket(value: float) -> int:
    if value <= MIN_VALUE:
        return ZERO_BUCKET
    return math.ceil(math.log(min(value, MAX_VALUE)) / _LOG_GAMMA)


MAX_BUCKETS = bucket(MAX_VALUE) + 1  # indexes 1 to bucket(MAX_VALUE), and the zero bucket


def representative(index: int) -> float:
    if index == ZERO_BUCKET:
        return 0.0
    return 2 * GAMMA**index / (GAMMA + 1)


def quantile(buckets: Mapping[int, int], q: float) -> float | None:
    """The ``q`` quantile (0..1) of the counted values (lower quantile, rank ``q (n - 1)``)."""
    if not 0 <= q <= 1:
        raise ValueError(f"quantile {q} is not between 0 and 1")
    total = sum(count for count in buckets.values() if count > 0)
    if total == 0:
        return None
    rank = q * (total - 1)
    seen = 0
    for index in sorted(buckets):
        seen += max(buckets[index], 0)
        if seen > rank:
            return representative(index)
    return representative(max(buckets))  # pragma: no cover - seen reaches total above
