from __future__ import annotations

from decimal import Decimal

import pytest
from payment_service.domain import ids
from payment_service.domain.commands import RefundPayment, RefundReason
from payment_service.domain.errors import (
    InvalidPaymentCommandError,
    PaymentVoidedError,
    ProviderUnavailableError,
)
from payment_service.domain.events import DeclineCode, PaymentRefunded
from payment_service.domain.model import PaymentStatus
from payment_service.domain.money import Money
from tests.unit.world import AMOUNT, CUSTOMER, ORDER, World, refund_command

ZERO_EUR = Money(Decimal("0.00"), "EUR")


def _refunded(
    amount: Money, reason: RefundReason = RefundReason.SAGA_COMPENSATION
) -> PaymentRefunded:
    return PaymentRefunded(
        order_id=ORDER,
        payment_id=ids.payment_id_for(ORDER),
        refund_id=ids.refund_id_for(ORDER),
        amount=amount,
        reason=reason,
    )


def test_refunds_an_authorized_payment_through_the_provider(world: World) -> None:
    # Given
    world.authorize()

    # When
    outcome = world.refund()

    # Then
    assert outcome == _refunded(AMOUNT)
    assert world.provider.refunds == [("auth_000001", AMOUNT)]
    assert world.provider.calls[-1] == "refund:ordermesh:" + ORDER + ":refund"
    stored = world.payments.get(ORDER)
    assert stored is not None
    assert stored.status is PaymentStatus.REFUNDED


def test_a_partial_refund_on_customer_request(world: World) -> None:
    world.authorize()
    part = Money(Decimal("100.00"), "EUR")

    outcome = world.refund(refund_command(amount=part, reason=RefundReason.CUSTOMER_REQUEST))

    assert outcome == _refunded(part, RefundReason.CUSTOMER_REQUEST)
    assert world.provider.refunds == [("auth_000001", part)]


def test_a_duplicate_refund_returns_the_same_outcome_without_refunding_again(
    world: World,
) -> None:
    world.authorize()
    first = world.refund()

    second = world.refund()

    assert second == first
    assert len(world.provider.refunds) == 1
    assert sum(call.startswith("refund:") for call in world.provider.calls) == 1


def test_a_refund_after_a_decline_refunds_zero_without_calling_the_provider(world: World) -> None:
    # Given the authorization was declined: nothing was ever taken
    world.provider.decline_customer(CUSTOMER, DeclineCode.CARD_DECLINED, "Declined.")
    world.authorize()

    # When
    outcome = world.refund()

    # Then the compensation completes (PaymentRefunded is its only reply) with nothing refunded
    assert outcome == _refunded(ZERO_EUR)
    assert len(world.provider.calls) == 1  # the authorization only
    stored = world.payments.get(ORDER)
    assert stored is not None
    assert stored.status is PaymentStatus.DECLINED


def test_a_refund_of_an_order_never_authorized_voids_it_for_good(world: World) -> None:
    # When the refund arrives before any authorization
    outcome = world.refund()

    # Then nothing is refunded, and a late AuthorizePayment can no longer charge
    assert outcome == _refunded(ZERO_EUR)
    assert world.refund() == outcome
    with pytest.raises(PaymentVoidedError):
        world.authorize()
    assert world.provider.calls == []


def test_a_refund_naming_another_payment_is_refused(world: World) -> None:
    world.authorize()
    wrong = RefundPayment(ORDER, "pay_NOTTHISONE1", AMOUNT, RefundReason.SAGA_COMPENSATION)

    with pytest.raises(InvalidPaymentCommandError):
        world.refund(wrong)
    with pytest.raises(InvalidPaymentCommandError):
        world.refund(RefundPayment("ord_NEVERSEEN1", "pay_NOTTHISONE1", AMOUNT, wrong.reason))
    assert world.provider.refunds == []


@pytest.mark.parametrize("amount", [Money(Decimal("214.01"), "EUR"), Money(Decimal(1), "USD")])
def test_a_refund_of_more_than_was_paid_is_refused(world: World, amount: Money) -> None:
    world.authorize()

    with pytest.raises(InvalidPaymentCommandError, match="cannot refund"):
        world.refund(refund_command(amount=amount))
    assert world.provider.refunds == []


def test_a_refund_while_the_provider_is_down_waits_and_completes_later(world: World) -> None:
    # Given an authorized payment and a provider that then fails every attempt
    world.authorize()
    world.provider.fail_next(3)

    # When / Then: not refunded yet, and the payment still holds the money
    with pytest.raises(ProviderUnavailableError):
        world.refund()
    stored = world.payments.get(ORDER)
    assert stored is not None
    assert stored.status is PaymentStatus.AUTHORIZED

    # When the command is redelivered after recovery
    world.clock.advance(30)
    assert world.refund() == _refunded(AMOUNT)
    assert len(world.provider.refunds) == 1
