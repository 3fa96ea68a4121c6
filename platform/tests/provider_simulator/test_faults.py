"""The provider simulator's faults: transient failures (503s that charge nothing and are not kept),
the same failures and ids for the same seed, the outage switch and outage windows, and
latency."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import urllib3
from ordermesh_platform.provider_settings import SimulatorSettings
from ordermesh_platform.shared.clock import ManualClock
from tests.provider_simulator.support import (
    KEY,
    Provider,
    authorization_outcomes,
    authorization_statuses,
)


def test_transient_failures_are_503s_that_charge_nothing_and_are_not_kept(
    provider: Provider,
) -> None:
    provider.simulator.update(SimulatorSettings(transient_failure_rate=1.0))
    failed = provider.authorize(key="k")
    provider.simulator.update(SimulatorSettings(transient_failure_rate=0.0))
    retried = provider.authorize(key="k")

    assert failed.status == 503
    assert failed.body["error"] == "service_unavailable"
    assert failed.headers["Retry-After"] == "1"
    assert retried.status == 201
    assert "Idempotent-Replayed" not in retried.headers
    stats = provider.stats()
    assert (stats["transientFailures"], stats["charges"]) == (1, {"k": 1})


def test_the_same_seed_fails_the_same_requests_and_assigns_the_same_ids(
    make_provider: Any,
) -> None:
    settings = SimulatorSettings(transient_failure_rate=0.5, seed=42)
    first, second = make_provider(settings), make_provider(settings)
    other = make_provider(SimulatorSettings(transient_failure_rate=0.5, seed=43))

    outcomes = authorization_outcomes(first, 30)

    assert authorization_outcomes(second, 30) == outcomes
    assert [status for status, _ in outcomes] != authorization_statuses(other, 30)
    assert {status for status, _ in outcomes} == {201, 503}
    assert all(auth_id is None for status, auth_id in outcomes if status == 503)
    assert all(auth_id for status, auth_id in outcomes if status == 201)


def test_a_failure_rate_fails_about_that_share_of_requests(make_provider: Any) -> None:
    provider = make_provider(SimulatorSettings(transient_failure_rate=0.25, seed=1))

    failures = authorization_statuses(provider, 200).count(503)

    assert 30 <= failures <= 70


def test_the_outage_switch_fails_every_request_until_it_is_turned_off(
    provider: Provider,
) -> None:
    authorization_id = provider.authorize(key="a").body["authorizationId"]

    down = provider.call("POST", "/admin/outage", {"down": True})
    during = [provider.authorize(key="a").status, provider.refund(authorization_id, "r").status]
    stats_during = provider.stats()
    up = provider.call("POST", "/admin/outage", {"down": False})
    after = provider.refund(authorization_id, "r")

    assert (down.status, down.body) == (200, {"down": True})
    assert during == [503, 503]
    assert stats_during["down"] is True
    assert (up.status, up.body) == (200, {"down": False})
    assert after.status == 201


def test_the_outage_switch_takes_only_a_boolean(provider: Provider) -> None:
    answer = provider.call("POST", "/admin/outage", {"down": "yes"})

    assert answer.status == 400
    assert provider.simulator.stats()["down"] is False


def test_an_outage_window_fails_requests_from_its_start_to_its_end(make_provider: Any) -> None:
    clock = ManualClock()
    now = datetime.fromtimestamp(clock.now(), UTC)
    window = (now + timedelta(seconds=10), now + timedelta(seconds=20))
    provider = make_provider(SimulatorSettings(outage_windows=(window,)), clock=clock)

    before = provider.authorize(key="before").status
    clock.advance(10)
    at_start = provider.authorize(key="start").status
    clock.advance(9.5)
    inside = provider.authorize(key="inside").status
    clock.advance(0.5)
    at_end = provider.authorize(key="end").status

    assert [before, at_start, inside, at_end] == [201, 503, 503, 201]


def test_latency_is_the_fixed_delay_plus_a_seeded_jitter(make_provider: Any) -> None:
    def delays(seed: int) -> list[float]:
        waited: list[float] = []

        async def sleep(seconds: float) -> None:
            waited.append(seconds)

        settings = SimulatorSettings(latency_seconds=0.5, latency_jitter_seconds=0.25, seed=seed)
        provider = make_provider(settings, sleep=sleep)
        for n in range(10):
            provider.authorize(key=f"k{n}")
        return waited

    first = delays(seed=3)

    assert len(first) == 10
    assert all(0.5 <= delay <= 0.75 for delay in first)
    assert len(set(first)) == 10
    assert delays(seed=3) == first


def test_latency_really_delays_the_answer_past_a_short_client_timeout(
    make_provider: Any,
) -> None:
    provider = make_provider(SimulatorSettings(latency_seconds=0.3))

    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        provider.call(
            "POST",
            "/v1/authorizations",
            {},
            {"Authorization": f"Bearer {KEY}", "Idempotency-Key": "k"},
            timeout=0.1,
        )
    started = time.monotonic()
    answer = provider.authorize(key="slow")

    assert answer.status == 201
    assert time.monotonic() - started >= 0.3
