"""Circuit breaker logic, pure: (state, policy, now) -> decision and next state.

The state is shared by every invocation through a store (see ``adapters.ports``); nothing here
reads a clock or a store. CLOSED lets calls through and counts consecutive failures; at the
threshold it OPENs. OPEN refuses calls until the recovery timeout has passed, then turns
HALF_OPEN and lets a limited number of trial calls through: a success CLOSEs, a failure re-OPENs.
A half-open window whose trials never reported (a crashed invocation) expires after the recovery
timeout, so the breaker cannot stay stuck half-open.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class BreakerStatus(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


@dataclass(frozen=True)
class BreakerPolicy:
    failure_threshold: int = 5
    recovery_timeout: timedelta = timedelta(seconds=30)
    half_open_trials: int = 1

    def __post_init__(self) -> None:
        if self.failure_threshold < 1 or self.half_open_trials < 1:
            raise ValueError("failure_threshold and half_open_trials must be at least 1")
        if self.recovery_timeout <= timedelta(0):
            raise ValueError("recovery_timeout must be positive")


@dataclass(frozen=True)
class BreakerState:
    status: BreakerStatus = BreakerStatus.CLOSED
    failures: int = 0  # consecutive failures while closed
    since: datetime | None = None  # when it opened, or when its half-open window started
    trials: int = 0  # trial calls let through in the current half-open window


CLOSED = BreakerState()


@dataclass(frozen=True)
class Admission:
    allowed: bool
    state: BreakerState  # the state after the decision (store it if it changed)
    retry_after: timedelta = timedelta(0)  # when refused: how long until a trial may go


def _elapsed(state: BreakerState, now: datetime) -> timedelta:
    return now - state.since if state.since is not None else timedelta.max


def admit(state: BreakerState, policy: BreakerPolicy, now: datetime) -> Admission:
    """May a call go to the provider now?"""
    if state.status is BreakerStatus.CLOSED:
        return Admission(allowed=True, state=state)
    elapsed = _elapsed(state, now)
    if elapsed >= policy.recovery_timeout:
        trial = BreakerState(BreakerStatus.HALF_OPEN, state.failures, since=now, trials=1)
        return Admission(allowed=True, state=trial)
    if state.status is BreakerStatus.HALF_OPEN and state.trials < policy.half_open_trials:
        return Admission(allowed=True, state=replace(state, trials=state.trials + 1))
    return Admission(allowed=False, state=state, retry_after=policy.recovery_timeout - elapsed)


def record_success() -> BreakerState:
    """The provider answered: it is healthy, whatever state the breaker was in."""
    return CLOSED


def record_failure(state: BreakerState, policy: BreakerPolicy, now: datetime) -> BreakerState:
    """The provider failed transiently."""
    if state.status is BreakerStatus.HALF_OPEN:
        return BreakerState(BreakerStatus.OPEN, state.failures + 1, since=now)
    if state.status is BreakerStatus.OPEN:
        return replace(state, failures=state.failures + 1)  # a call let through before it opened
    failures = state.failures + 1
    if failures >= policy.failure_threshold:
        return BreakerState(BreakerStatus.OPEN, failures, since=now)
    return replace(state, failures=failures)
