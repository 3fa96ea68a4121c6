"""RefundPayment: give the money back once; nothing to give back is a refund of zero."""

from __future__ import annotations

from payment_service.adapters.ports import PaymentProvider, PaymentRepository
from payment_service.domain import ids
from payment_service.domain.commands import RefundPayment
from payment_service.domain.errors import InvalidPaymentCommandError, PaymentConflictError
from payment_service.domain.events import PaymentRefunded
from payment_service.domain.model import Payment
from payment_service.service_layer.resilience import Resilience


def refund_payment(
    command: RefundPayment,
    payments: PaymentRepository,
    provider: PaymentProvider,
    resilience: Resilience,
) -> PaymentRefunded:
    """PaymentRefunded, the only reply the contract has; ``ProviderUnavailableError``: try later.

    - authorized: refunded through the provider with the order's refund idempotency key;
    - already refunded: the same PaymentRefunded again, no provider call;
    - declined, or never seen: nothing was taken, so PaymentRefunded with a zero amount and no
      provider call. An order never seen gets a VOIDED tombstone, so an AuthorizePayment that
      arrives late can no longer charge it.
    """
    try:
        return _refund_once(command, payments, provider, resilience)
    except PaymentConflictError:
        return _refund_once(command, payments, provider, resilience)


def _refund_once(
    command: RefundPayment,
    payments: PaymentRepository,
    provider: PaymentProvider,
    resilience: Resilience,
) -> PaymentRefunded:
    payment = payments.get(command.order_id)
    if payment is None:
        return _void(command, payments, provider.name)
    if not payment.needs_refund:
        return payment.refund_outcome(command)
    payment.check_refund(command)
    authorization_id = payment.provider_reference or ""
    refund = resilience.call(
        lambda: provider.refund(ids.refund_key(command.order_id), authorization_id, command.amount),
        what=f"refund {command.order_id}",
    )
    event = payment.refunded(command, refund.refund_reference)
    payments.update(payment)
    return event


def _void(command: RefundPayment, payments: PaymentRepository, provider: str) -> PaymentRefunded:
    if command.payment_id != ids.payment_id_for(command.order_id):
        raise InvalidPaymentCommandError(
            f"payment {command.payment_id} is not the payment of order {command.order_id}"
        )
    tombstone = Payment.voided(command, provider)
    payments.add(tombstone)
    return tombstone.refund_outcome(command)
