"""Random counts with the standard library's generator: Poisson, binomial, and the sum of
log-normal order values (Python 3.11 has no binomial or Poisson variates of its own)."""

from __future__ import annotations

import math
import random


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's product method below 30, Hörmann's transformed rejection (PTRS) above."""
    if mean <= 0:
        return 0
    if mean < 30:  # noqa: PLR2004 - where PTRS starts to pay
        limit, count, product = math.exp(-mean), 0, rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
        return count
    slam = math.sqrt(mean)
    log_mean = math.log(mean)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = rng.random() - 0.5
        v = rng.random()
        us = 0.5 - abs(u)
        if us <= 0 or v <= 0:
            continue
        k = math.floor((2 * a / us + b) * u + mean + 0.43)
        if us >= 0.07 and v <= v_r:  # noqa: PLR2004 - PTRS's constants
            return k
        if k < 0 or (us < 0.013 and v > us):  # noqa: PLR2004
            continue
        accept = math.log(v * inv_alpha / (a / (us * us) + b))
        if accept <= -mean + k * log_mean - math.lgamma(k + 1):
            return k


def binomial(rng: random.Random, trials: int, chance: float) -> int:
    """Inversion from the lower tail (expected steps about trials times the smaller chance);
    a normal approximation when that is over 500 steps (never in our scenarios' rates)."""
    if trials <= 0 or chance <= 0:
        return 0
    if chance >= 1:
        return trials
    if chance > 0.5:  # noqa: PLR2004 - use the smaller tail
        return trials - binomial(rng, trials, 1.0 - chance)
    if trials * chance > 500:  # noqa: PLR2004
        sd = math.sqrt(trials * chance * (1 - chance))
        return min(trials, max(0, round(rng.gauss(trials * chance, sd))))
    ratio = chance / (1.0 - chance)
    probability = (1.0 - chance) ** trials
    total, count, u = probability, 0, rng.random()
    while u > total and count < trials:
        probability *= ratio * (trials - count) / (count + 1)
        count += 1
        total += probability
    return count


def lognormal_sum(rng: random.Random, count: int, mean: float, sigma: float) -> float:
    """The sum of ``count`` log-normal values of this mean and log-spread: each drawn up to 30,
    above that one log-normal with the sum's mean and variance (Fenton-Wilkinson)."""
    if count <= 0:
        return 0.0
    mu = math.log(mean) - sigma * sigma / 2
    if count <= 30:  # noqa: PLR2004
        return sum(rng.lognormvariate(mu, sigma) for _ in range(count))
    variance = (math.exp(sigma * sigma) - 1) * mean * mean * count
    total = mean * count
    s2 = math.log(1 + variance / (total * total))
    return rng.lognormvariate(math.log(total) - s2 / 2, math.sqrt(s2))
