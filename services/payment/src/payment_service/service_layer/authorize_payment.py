"""AuthorizePayment: hold the order's amount once, whatever how often the command arrives."""

from __future__ import annotations

from payment_service.adapters.ports import Authorization, PaymentProvider, PaymentRepository
from payment_service.domain import ids
from payment_service.domain.commands import AuthorizePayment
from payment_service.domain.errors import InvalidPaymentCommandError, PaymentConflictError
from payment_service.domain.events import AuthorizationOutcome
from payment_service.domain.model import Decline, Payment
from payment_service.service_layer.resilience import Resilience


def authorize_payment(
    command: AuthorizePayment,
    payments: PaymentRepository,
    provider: PaymentProvider,
    resilience: Resilience,
) -> AuthorizationOutcome:
    """PaymentAuthorized or PaymentDeclined; ``ProviderUnavailableError``: try again later.

    A command for an order already processed returns the first outcome without calling the
    provider. Two invocations racing on one order send the same idempotency key, so the
    provider charges once; the loser of the conditional write returns the winner's outcome.
    """
    try:
        return _authorize_once(command, payments, provider, resilience)
    except PaymentConflictError:
        return _authorize_once(command, payments, provider, resilience)


def _authorize_once(
    command: AuthorizePayment,
    payments: PaymentRepository,
    provider: PaymentProvider,
    resilience: Resilience,
) -> AuthorizationOutcome:
    existing = payments.get(command.order_id)
    if existing is not None:
        return existing.authorization_outcome(command)
    if not command.amount.is_positive:
        raise InvalidPaymentCommandError(f"cannot authorize {command.amount}")
    result = resilience.call(
        lambda: provider.authorize(
            ids.authorize_key(command.order_id),
            command.order_id,
            command.amount,
            command.customer_id,
        ),
        what=f"authorize {command.order_id}",
    )
    if isinstance(result, Authorization):
        payment = Payment.authorized(command, provider.name, result.authorization_id)
    else:
        payment = Payment.declined(command, provider.name, Decline(result.code, result.message))
    payments.add(payment)
    return payment.authorization_outcome(command)
