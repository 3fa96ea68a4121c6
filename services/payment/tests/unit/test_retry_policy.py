from __future__ import annotations

import random

import pytest
from payment_service.adapters.memory import ScriptedRandom
from payment_service.domain.retry import RetryPolicy


def test_delay_is_full_jitter_over_an_exponential_ceiling_capped() -> None:
    # Given base 0.2 s and a cap of 2 s
    policy = RetryPolicy(max_attempts=10, base_seconds=0.2, cap_seconds=2.0)
    rng = ScriptedRandom([0.5] * 6)

    # When the delays of retries 0..5 are drawn
    delays = [policy.delay(n, rng) for n in range(6)]

    # Then each is drawn from uniform(0, min(cap, base * 2**n))
    assert rng.ranges == [(0.0, 0.2), (0.0, 0.4), (0.0, 0.8), (0.0, 1.6), (0.0, 2.0), (0.0, 2.0)]
    assert delays == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])


def test_real_random_delays_stay_within_the_ceiling() -> None:
    policy = RetryPolicy(max_attempts=5, base_seconds=0.1, cap_seconds=1.0)
    rng = random.Random(7)

    for n in range(8):
        assert 0.0 <= policy.delay(n, rng) <= policy.ceiling(n)


def test_attempts_are_bounded() -> None:
    policy = RetryPolicy(max_attempts=3)

    assert [policy.may_retry(made) for made in (1, 2, 3)] == [True, True, False]
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
