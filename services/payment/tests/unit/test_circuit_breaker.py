"""The shared breaker through the use cases: outage, short circuit, recovery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from payment_service.adapters.memory import InMemoryBreakerStateStore
from payment_service.domain.breaker import BreakerState, BreakerStatus
from payment_service.domain.errors import ProviderUnavailableError
from payment_service.domain.events import PaymentAuthorized
from payment_service.service_layer.authorize_payment import authorize_payment
from payment_service.service_layer.breaker import CircuitBreaker
from tests.unit.world import POLICY, World, authorize_command


def _status(world: World) -> BreakerStatus:
    state: BreakerState = world.breakers.get("payment-provider").state
    return state.status


def test_an_outage_opens_the_breaker_short_circuits_then_recovers(world: World) -> None:
    # Given the provider is down for a minute
    start = world.clock.now()
    world.provider.down_between(start, start + timedelta(seconds=60))

    # When a first invocation fails 3 times, the breaker opens (threshold 3)
    with pytest.raises(ProviderUnavailableError):
        world.authorize()
    assert _status(world) is BreakerStatus.OPEN
    assert len(world.provider.calls) == 3

    # Then the next invocations short-circuit: the provider is not called, nothing is declined
    with pytest.raises(ProviderUnavailableError, match="circuit is open") as raised:
        world.authorize(authorize_command("ord_SECOND0001"))
    assert raised.value.retry_after == timedelta(seconds=30)
    assert len(world.provider.calls) == 3
    assert world.payments.get("ord_SECOND0001") is None

    # When the recovery timeout passes while it is still down, one trial goes and re-opens it
    world.clock.advance(30)
    with pytest.raises(ProviderUnavailableError):
        world.authorize()
    assert len(world.provider.calls) == 4
    assert _status(world) is BreakerStatus.OPEN
    assert len(world.sleep.delays) == 2  # no back-off once the failed trial re-opened it

    # When it passes again and the provider is back, the trial succeeds and closes the breaker
    world.clock.advance(30)
    outcome = world.authorize()

    assert isinstance(outcome, PaymentAuthorized)
    assert _status(world) is BreakerStatus.CLOSED
    assert len(world.provider.charges) == 1
    # and the order that was short-circuited completes when its command comes back
    assert isinstance(world.authorize(authorize_command("ord_SECOND0001")), PaymentAuthorized)


def test_the_breaker_state_is_shared_by_every_instance_using_the_store(world: World) -> None:
    # Given two use-case instances (two Lambda containers) on the same store
    container_a, container_b = world.instance(), world.instance()
    assert container_a is not container_b
    world.provider.fail_next(3)

    # When A's calls open the breaker
    with pytest.raises(ProviderUnavailableError):
        authorize_payment(authorize_command(), world.payments, world.provider, container_a)

    # Then B is short-circuited without calling the provider
    with pytest.raises(ProviderUnavailableError, match="circuit is open"):
        authorize_payment(
            authorize_command("ord_OTHER00001"), world.payments, world.provider, container_b
        )
    assert len(world.provider.calls) == 3


def test_a_closed_breaker_is_not_written_on_every_success(world: World) -> None:
    world.authorize()
    world.authorize(authorize_command("ord_OTHER00001"))

    assert world.breakers.writes == 0


class RacingStore(InMemoryBreakerStateStore):
    """Another invocation writes between this one's read and its compare-and-set, once."""

    def __init__(self, rival: BreakerState) -> None:
        super().__init__()
        self._rival: BreakerState | None = rival

    def put(self, name: str, state: BreakerState, expected_version: int) -> int | None:
        if self._rival is not None:
            rival, self._rival = self._rival, None
            super().put(name, rival, expected_version)
        return super().put(name, state, expected_version)


def test_a_lost_compare_and_set_is_decided_again_on_the_fresh_state(world: World) -> None:
    # Given another invocation records a failure concurrently
    store = RacingStore(rival=BreakerState(BreakerStatus.CLOSED, failures=2))
    breaker = CircuitBreaker(store, world.clock, POLICY)

    # When this invocation records its failure
    breaker.failed()

    # Then both count: the third failure opens the breaker
    assert breaker.state() == BreakerState(BreakerStatus.OPEN, 3, since=world.clock.now())
    assert store.get("payment-provider").version == 2


def test_the_store_refuses_a_stale_version() -> None:
    store = InMemoryBreakerStateStore()
    first = store.put("b", BreakerState(failures=1), expected_version=0)

    assert first == 1
    assert store.put("b", BreakerState(failures=9), expected_version=0) is None
    assert store.get("b").state.failures == 1
