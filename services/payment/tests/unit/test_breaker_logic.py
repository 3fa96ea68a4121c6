"""The breaker's pure decisions: state + policy + time -> decision and next state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from payment_service.domain.breaker import (
    CLOSED,
    BreakerPolicy,
    BreakerState,
    BreakerStatus,
    admit,
    record_failure,
    record_success,
)

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
POLICY = BreakerPolicy(failure_threshold=3, recovery_timeout=timedelta(seconds=30))


def _after(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_closed_lets_calls_through_and_opens_at_the_threshold() -> None:
    state = CLOSED
    for _ in range(2):
        assert admit(state, POLICY, T0).allowed
        state = record_failure(state, POLICY, T0)
    assert state == BreakerState(BreakerStatus.CLOSED, failures=2)

    state = record_failure(state, POLICY, T0)

    assert state == BreakerState(BreakerStatus.OPEN, failures=3, since=T0)


def test_a_success_while_closed_resets_the_count_of_failures() -> None:
    state = record_failure(CLOSED, POLICY, T0)

    assert record_success() == CLOSED
    assert state.failures == 1


def test_open_refuses_until_the_recovery_timeout_then_lets_one_trial_through() -> None:
    opened = BreakerState(BreakerStatus.OPEN, failures=3, since=T0)

    refused = admit(opened, POLICY, _after(10))
    trial = admit(opened, POLICY, _after(30))

    assert not refused.allowed
    assert refused.retry_after == timedelta(seconds=20)
    assert refused.state == opened
    assert trial.allowed
    assert trial.state == BreakerState(BreakerStatus.HALF_OPEN, 3, since=_after(30), trials=1)


def test_half_open_lets_only_the_configured_number_of_trials_through() -> None:
    policy = BreakerPolicy(
        failure_threshold=3, recovery_timeout=timedelta(seconds=30), half_open_trials=2
    )
    state = BreakerState(BreakerStatus.OPEN, failures=3, since=T0)

    first = admit(state, policy, _after(30))
    second = admit(first.state, policy, _after(31))
    third = admit(second.state, policy, _after(32))

    assert [first.allowed, second.allowed, third.allowed] == [True, True, False]
    assert second.state.trials == 2


def test_half_open_success_closes_and_failure_reopens() -> None:
    half_open = BreakerState(BreakerStatus.HALF_OPEN, failures=3, since=T0, trials=1)

    assert record_success() == CLOSED
    assert record_failure(half_open, POLICY, _after(1)) == BreakerState(
        BreakerStatus.OPEN, failures=4, since=_after(1)
    )


def test_a_half_open_window_whose_trial_never_reported_expires() -> None:
    # Given a trial that crashed before recording anything
    stuck = BreakerState(BreakerStatus.HALF_OPEN, failures=3, since=T0, trials=1)

    # When the recovery timeout passes again, a new trial may go
    assert not admit(stuck, POLICY, _after(29)).allowed
    assert admit(stuck, POLICY, _after(30)).allowed


def test_a_late_failure_while_open_does_not_extend_the_open_window() -> None:
    opened = BreakerState(BreakerStatus.OPEN, failures=3, since=T0)

    later = record_failure(opened, POLICY, _after(20))

    assert later.since == T0
    assert later.failures == 4
