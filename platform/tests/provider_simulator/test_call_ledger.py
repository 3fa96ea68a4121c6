"""The provider simulator's ledger of calls and its lost answers, over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import urllib3
from ordermesh_platform.provider_settings import SimulatorSettings
from ordermesh_platform.provider_simulator import ProviderSimulator
from ordermesh_platform.shared.clock import ManualClock
from tests.provider_simulator.support import Provider, serve


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_767_225_600.0)


@pytest.fixture
def provider(clock: ManualClock) -> Iterator[Provider]:
    yield from serve(ProviderSimulator(SimulatorSettings(seed=7), clock=clock))


def test_every_call_is_in_the_ledger_with_its_time_order_and_outcome(
    provider: Provider, clock: ManualClock
) -> None:
    first = provider.authorize(key="k1", order_id="ord_0000000001")
    clock.advance(2.5)
    provider.authorize(key="k1", order_id="ord_0000000001")
    provider.refund(first.body["authorizationId"], key="r1")

    calls = provider.simulator.calls()
    assert [(c.at - calls[0].at, c.status, c.replayed) for c in calls] == [
        (0.0, 201, False),
        (2.5, 201, True),
        (2.5, 201, False),
    ]
    assert [c.order_id for c in calls] == ["ord_0000000001", "ord_0000000001", None]
    assert calls[2].path == f"/v1/authorizations/{first.body['authorizationId']}/refunds"
    served = provider.call("GET", "/admin/calls").body["calls"]
    assert [c["idempotencyKey"] for c in served] == ["k1", "k1", "r1"]
    assert served[0]["at"] == "2026-01-01T00:00:00Z"


def test_calls_while_down_are_marked_and_counted_apart_from_transient_failures(
    provider: Provider,
) -> None:
    provider.simulator.set_down(down=True)
    provider.authorize(key="k1")
    provider.authorize(key="k1")
    provider.simulator.set_down(down=False)
    provider.simulator.update(SimulatorSettings(seed=7, transient_failure_rate=1.0))
    provider.authorize(key="k1")

    calls = provider.simulator.calls()
    assert [(c.status, c.down) for c in calls] == [(503, True), (503, True), (503, False)]
    stats = provider.stats()
    assert (stats["callsWhileDown"], stats["transientFailures"]) == (2, 3)


def test_requests_refused_before_the_provider_looks_at_them_are_not_calls(
    provider: Provider,
) -> None:
    provider.authorize(key="")  # no idempotency key: 400
    provider.post("/v1/authorizations", {}, api_key="wrong")

    assert provider.simulator.calls() == ()


def test_a_lost_answer_is_carried_out_and_a_retry_with_its_key_learns_it(
    provider: Provider,
) -> None:
    provider.simulator.lose_answers(1, hold_seconds=2.0)
    body = {
        "orderId": "ord_0000000001",
        "amount": {"amount": "12.34", "currency": "EUR"},
        "customerId": "cus_alice001",
    }
    headers = {"Authorization": "Bearer sim_test_key", "Idempotency-Key": "k1"}
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        provider.call("POST", "/v1/authorizations", body, headers, timeout=0.3)

    retried = provider.authorize(key="k1")

    assert retried.status == 201
    assert retried.headers.get("Idempotent-Replayed") == "true"
    stats = provider.stats()
    assert (stats["chargesByOrder"], stats["lostAnswers"]) == ({"ord_0000000001": 1}, 1)
    assert [(c.lost, c.replayed) for c in provider.simulator.calls()] == [
        (True, False),
        (False, True),
    ]


def test_only_the_given_number_of_answers_is_lost(provider: Provider) -> None:
    answer = provider.call("POST", "/admin/lose-answers", {"count": 1, "holdSeconds": 0.01})
    provider.authorize(key="k1")
    provider.authorize(key="k2")

    assert (answer.status, answer.body) == (200, {"count": 1})
    assert [c.lost for c in provider.simulator.calls()] == [True, False]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"count": "1", "holdSeconds": 1}, "count must be an integer"),
        ({"count": -1, "holdSeconds": 1}, "count must not be negative"),
        ({"count": 1, "holdSeconds": 0}, "holdSeconds must be positive"),
        ({"count": 1}, "expected a number"),
    ],
)
def test_lose_answers_refuses_bad_values(provider: Provider, body: object, problem: str) -> None:
    answer = provider.call("POST", "/admin/lose-answers", body)

    assert answer.status == 400
    assert problem in answer.body["message"]


def test_a_call_is_received_before_it_is_answered_by_the_simulated_latency(
    clock: ManualClock,
) -> None:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    settings = SimulatorSettings(seed=7, latency_seconds=0.25)
    simulator = ProviderSimulator(settings, clock=clock, sleep=sleep)  # time passes in a sleep
    for provider in serve(simulator):
        provider.authorize(key="k1", order_id="ord_0000000001")
        [call] = provider.call("GET", "/admin/calls").body["calls"]
        assert (call["receivedAt"], call["at"]) == (
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00.250000Z",
        )
