"""Between the contracts' generated models and the domain: commands in, events out."""

from __future__ import annotations

from functools import singledispatch

from ordermesh_contracts.models.payment import payment_authorized_v1 as authorized_v1
from ordermesh_contracts.models.payment import payment_declined_v1 as declined_v1
from ordermesh_contracts.models.payment import payment_refunded_v1 as refunded_v1
from ordermesh_contracts.models.saga import authorize_payment_v1, refund_payment_v1
from pydantic import BaseModel

from payment_service.domain import commands, events
from payment_service.domain.money import Money


def authorize_command(data: authorize_payment_v1.AuthorizePayment) -> commands.AuthorizePayment:
    return commands.AuthorizePayment(
        order_id=data.order_id,
        customer_id=data.customer_id,
        amount=Money.parse(data.amount.amount, data.amount.currency),
        reservation_id=data.reservation_id,
    )


def refund_command(data: refund_payment_v1.RefundPayment) -> commands.RefundPayment:
    return commands.RefundPayment(
        order_id=data.order_id,
        payment_id=data.payment_id,
        amount=Money.parse(data.amount.amount, data.amount.currency),
        reason=commands.RefundReason(data.reason.value),
    )


@singledispatch
def to_contract(event: events.PaymentEvent) -> BaseModel:
    """The contract data model (PaymentAuthorized@1, PaymentDeclined@1, PaymentRefunded@1)."""
    raise TypeError(f"no contract for {type(event).__name__}")


@to_contract.register
def _(event: events.PaymentAuthorized) -> authorized_v1.PaymentAuthorized:
    return authorized_v1.PaymentAuthorized(
        order_id=event.order_id,
        payment_id=event.payment_id,
        amount=authorized_v1.Money(amount=event.amount.text(), currency=event.amount.currency),
        provider=event.provider,
        provider_reference=event.provider_reference,
    )


@to_contract.register
def _(event: events.PaymentDeclined) -> declined_v1.PaymentDeclined:
    return declined_v1.PaymentDeclined(
        order_id=event.order_id,
        amount=declined_v1.Money(amount=event.amount.text(), currency=event.amount.currency),
        decline_code=declined_v1.DeclineCode(event.code.value),
        message=event.message,
        retryable=False,  # a real decline: the customer must act (unavailability never declines)
        provider=event.provider,
    )


@to_contract.register
def _(event: events.PaymentRefunded) -> refunded_v1.PaymentRefunded:
    return refunded_v1.PaymentRefunded(
        order_id=event.order_id,
        payment_id=event.payment_id,
        refund_id=event.refund_id,
        amount=refunded_v1.Money(amount=event.amount.text(), currency=event.amount.currency),
        reason=refunded_v1.Reason(event.reason.value),
    )
