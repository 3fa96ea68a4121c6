"""Retry policy, pure: exponential back-off with full jitter, a bounded number of attempts.

delay(n) = uniform(0, min(cap, base * 2**n)) for the n-th retry (n = 0 before the second attempt).
The random source is injected so tests choose the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class UniformSource(Protocol):
    """What the policy needs of a random generator; ``random.Random`` is one."""

    def uniform(self, a: float, b: float) -> float: ...


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3  # calls in one invocation, the first included
    base_seconds: float = 0.2
    cap_seconds: float = 2.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_seconds < 0 or self.cap_seconds < 0:
            raise ValueError("base_seconds and cap_seconds must not be negative")

    def ceiling(self, retry: int) -> float:
        """The upper bound of the delay before retry number ``retry`` (0-based)."""
        return min(self.cap_seconds, self.base_seconds * 2.0**retry)

    def delay(self, retry: int, rng: UniformSource) -> float:
        return rng.uniform(0.0, self.ceiling(retry))

    def may_retry(self, attempts_made: int) -> bool:
        return attempts_made < self.max_attempts
