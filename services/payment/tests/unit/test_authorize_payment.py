from __future__ import annotations

from decimal import Decimal

import pytest
from payment_service.domain import ids
from payment_service.domain.errors import InvalidPaymentCommandError, ProviderUnavailableError
from payment_service.domain.events import DeclineCode, PaymentAuthorized, PaymentDeclined
from payment_service.domain.model import Payment, PaymentStatus
from payment_service.domain.money import Money
from tests.unit.world import AMOUNT, CUSTOMER, ORDER, World, authorize_command


def test_authorizes_the_amount_once_with_a_key_derived_from_the_order(world: World) -> None:
    # When
    outcome = world.authorize()

    # Then
    assert outcome == PaymentAuthorized(
        order_id=ORDER,
        payment_id=ids.payment_id_for(ORDER),
        amount=AMOUNT,
        provider="fakepay",
        provider_reference="auth_000001",
    )
    [charge] = world.provider.charges
    assert charge.idempotency_key == "ordermesh:" + ORDER + ":authorize"
    assert (charge.order_id, charge.amount, charge.customer_id) == (ORDER, AMOUNT, CUSTOMER)
    stored = world.payments.get(ORDER)
    assert stored is not None
    assert stored.status is PaymentStatus.AUTHORIZED


def test_a_decline_by_the_provider_is_a_payment_declined(world: World) -> None:
    # Given
    world.provider.decline_customer(CUSTOMER, DeclineCode.INSUFFICIENT_FUNDS, "Not enough funds.")

    # When
    outcome = world.authorize()

    # Then
    assert outcome == PaymentDeclined(
        order_id=ORDER,
        amount=AMOUNT,
        code=DeclineCode.INSUFFICIENT_FUNDS,
        message="Not enough funds.",
        provider="fakepay",
    )
    assert world.provider.charges == []
    assert world.sleep.delays == []


def test_transient_failures_are_retried_after_jittered_delays(world: World) -> None:
    # Given two timeouts, and a random source that picks half and a quarter of each range
    world.provider.fail_next(2)
    world.rng = type(world.rng)([0.5, 0.25])

    # When
    outcome = world.authorize()

    # Then: uniform(0, 0.2) then uniform(0, 0.4), as base 0.2 * 2**n says
    assert isinstance(outcome, PaymentAuthorized)
    assert world.rng.ranges == [(0.0, 0.2), (0.0, 0.4)]
    assert world.sleep.delays == pytest.approx([0.1, 0.1])
    assert len(world.provider.calls) == 3
    assert len(world.provider.charges) == 1


def test_a_lost_answer_is_retried_with_the_same_key_and_charges_once(world: World) -> None:
    # Given the provider charges, then the answer is lost on the way back
    world.provider.lose_next_responses(1)

    # When
    outcome = world.authorize()

    # Then the retry reuses the key and gets the first authorization back
    assert isinstance(outcome, PaymentAuthorized)
    assert outcome.provider_reference == "auth_000001"
    assert len(world.provider.calls) == 2
    assert len(world.provider.charges) == 1


def test_exhausted_retries_are_provider_unavailable_never_a_decline(world: World) -> None:
    # Given the provider times out on every attempt of one invocation
    world.provider.fail_next(3)

    # When / Then
    with pytest.raises(ProviderUnavailableError) as raised:
        world.authorize()
    assert "3 attempt(s) failed" in str(raised.value)
    assert len(world.provider.calls) == 3
    assert len(world.sleep.delays) == 2  # no sleep after the last attempt
    assert world.payments.get(ORDER) is None  # nothing decided: the command will come again

    # And when the command is redelivered after the provider recovers, it is authorized
    world.clock.advance(60)
    assert isinstance(world.authorize(), PaymentAuthorized)


def test_a_duplicate_authorize_payment_returns_the_same_outcome_and_charges_once(
    world: World,
) -> None:
    # Given
    first = world.authorize()

    # When
    second = world.authorize()

    # Then
    assert second == first
    assert len(world.provider.calls) == 1
    assert len(world.provider.charges) == 1
    assert world.payments.writes == 1


def test_a_duplicate_of_a_declined_command_is_declined_again_without_a_call(world: World) -> None:
    world.provider.decline_customer(CUSTOMER, DeclineCode.CARD_EXPIRED, "The card has expired.")
    first = world.authorize()

    second = world.authorize()

    assert isinstance(second, PaymentDeclined)
    assert second == first
    assert len(world.provider.calls) == 1


def test_a_duplicate_with_another_amount_is_refused(world: World) -> None:
    world.authorize()

    with pytest.raises(InvalidPaymentCommandError, match="already processed"):
        world.authorize(authorize_command(amount=Money(Decimal("1.00"), "EUR")))
    assert len(world.provider.charges) == 1


def test_an_amount_that_is_not_positive_is_refused_before_any_call(world: World) -> None:
    with pytest.raises(InvalidPaymentCommandError):
        world.authorize(authorize_command(amount=Money(Decimal("0.00"), "EUR")))
    assert world.provider.calls == []


def test_two_invocations_racing_on_one_order_charge_once(world: World) -> None:
    # Given invocation B runs completely between A's read and A's write
    original_get = world.payments.get
    raced = False

    def get_then_let_b_run(order_id: str) -> Payment | None:
        nonlocal raced
        found = original_get(order_id)
        if not raced:
            raced = True
            world.authorize()  # invocation B
        return found

    world.payments.get = get_then_let_b_run  # type: ignore[method-assign]

    # When invocation A goes on
    outcome = world.authorize()

    # Then A's write loses, and A returns B's outcome; the provider charged once
    assert isinstance(outcome, PaymentAuthorized)
    assert outcome.provider_reference == "auth_000001"
    assert len(world.provider.calls) == 2
    assert len(world.provider.charges) == 1
