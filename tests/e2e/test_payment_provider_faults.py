"""End to end: the payment provider down or losing answers, seen from the provider's own ledger.

The breaker and the idempotency key are the payment service's; what they must achieve is seen
where it matters, at the provider: the calls it received (``ProviderSimulator.calls``) and the
charges it made per order.
"""

from __future__ import annotations

from itertools import pairwise

from ordermesh_platform.provider_ledger import ProviderCall
from ordermesh_platform.system import LocalSystem

from tests.e2e.conftest import Client, charges_per_order, order_body, wait_for

AUTHORIZATIONS = "/v1/authorizations"
FAILURE_THRESHOLD = 5  # the payment service's breaker opens at its 5th failure in a row


def _authorizations_while_down(system: LocalSystem) -> list[ProviderCall]:
    return [c for c in system.provider.calls() if c.down and c.path == AUTHORIZATIONS]


def test_during_a_provider_outage_the_breaker_stops_the_calls_and_orders_complete_after_recovery(
    client: Client, system: LocalSystem
) -> None:
    recovery = system.options.breaker_recovery_seconds
    # Given a provider that is down, and orders whose payments would each be tried 3 times
    system.provider.set_down(down=True)
    placed = [client.place(order_body(customer=f"cus_outage{i}"))["orderId"] for i in range(4)]
    # When the failures open the breaker, and the outage lasts until the breaker, open, has let
    # a half-open trial through (the commands come back after their visibility timeout)
    wait_for(lambda: client.breaker() == "OPEN", 20, "the breaker to open")
    wait_for(
        lambda: len(_authorizations_while_down(system)) > FAILURE_THRESHOLD,
        30,
        "a call after the breaker opened",
    )
    assert all(client.order(o)["status"] == "PENDING" for o in placed)
    system.provider.set_down(down=False)
    # Then the provider heard the failures that opened the breaker, and after them only the
    # breaker's half-open trials, at most one per recovery timeout
    calls = _authorizations_while_down(system)
    assert len(calls) >= FAILURE_THRESHOLD, calls
    gaps = [later.at - earlier.at for earlier, later in pairwise(calls[FAILURE_THRESHOLD - 1 :])]
    assert all(gap >= recovery - 0.01 for gap in gaps), (gaps, calls)
    # And once it is back, every order completes, charged once; none was declined for it
    for order_id in placed:
        assert client.settled(order_id, timeout=40)["status"] == "CONFIRMED"
    assert charges_per_order(system) == dict.fromkeys(placed, 1)


def test_a_lost_authorization_answer_is_learnt_by_the_retry_and_charged_once(
    client: Client, system: LocalSystem
) -> None:
    # Given a provider that takes the next authorization but answers only after the payment
    # service has given up waiting (its timeout is the system's provider_timeout)
    system.provider.lose_answers(1, hold_seconds=system.options.provider_timeout + 1)
    # When an order is placed
    placed = client.place(order_body(quantity=2))["orderId"]
    # Then the order is confirmed, and the provider charged it once: its payment was retried
    # after the lost answer, and only the payment's idempotency key stood between the retry
    # and a second charge
    assert client.settled(placed, timeout=30)["status"] == "CONFIRMED"
    assert charges_per_order(system) == {placed: 1}
    calls = [c for c in system.provider.calls() if c.order_id == placed]
    assert [(c.status, c.lost, c.replayed) for c in calls] == [
        (201, True, False),  # taken and charged, the answer lost
        (201, False, True),  # the retry, with the same idempotency key: the kept answer
    ]
