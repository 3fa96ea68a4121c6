"""The DDSketch of saga durations: quantiles within 1% of the exact ones, merged by addition."""

from __future__ import annotations

import random

import pytest
from analytics_service.domain.windows import sketch


def _exact(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


@pytest.mark.parametrize("distribution", ["lognormal", "uniform", "bimodal"])
def test_quantiles_are_within_the_relative_accuracy(distribution: str) -> None:
    rng = random.Random(11)
    draw = {
        "lognormal": lambda: rng.lognormvariate(7, 1.2),
        "uniform": lambda: rng.uniform(5, 60_000),
        "bimodal": lambda: rng.choice([rng.gauss(800, 50), rng.gauss(30_000, 2_000)]),
    }[distribution]
    values = [max(draw(), 2.0) for _ in range(20_000)]
    buckets: dict[int, int] = {}
    for value in values:
        index = sketch.bucket(value)
        buckets[index] = buckets.get(index, 0) + 1
    for q in (0.5, 0.95, 0.99):
        estimate = sketch.quantile(buckets, q)
        assert estimate is not None
        exact = _exact(values, q)
        assert abs(estimate - exact) <= sketch.RELATIVE_ACCURACY * exact


def test_tiny_and_empty() -> None:
    assert sketch.quantile({}, 0.5) is None
    assert sketch.quantile({sketch.bucket(0.2): 3}, 0.5) == 0.0
    with pytest.raises(ValueError, match="between 0 and 1"):
        sketch.quantile({1: 1}, 1.5)
