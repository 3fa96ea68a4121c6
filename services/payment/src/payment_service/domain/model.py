"""The Payment aggregate: one payment per order, authorized or declined, then maybe refunded."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from payment_service.domain import ids
from payment_service.domain.commands import AuthorizePayment, RefundPayment, RefundReason
from payment_service.domain.errors import InvalidPaymentCommandError, PaymentVoidedError
from payment_service.domain.events import (
    AuthorizationOutcome,
    DeclineCode,
    PaymentAuthorized,
    PaymentDeclined,
    PaymentRefunded,
)
from payment_service.domain.money import Money


class PaymentStatus(StrEnum):
    AUTHORIZED = "AUTHORIZED"
    DECLINED = "DECLINED"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"  # refunded before any authorization existed: nothing may be charged later


@dataclass(frozen=True)
class Decline:
    code: DeclineCode
    message: str


@dataclass(frozen=True)
class Refund:
    refund_id: str
    amount: Money
    reason: RefundReason
    provider_reference: str | None  # None when nothing had been taken, so nothing went back


@dataclass
class Payment:
    order_id: str
    payment_id: str
    customer_id: str
    amount: Money
    provider: str
    status: PaymentStatus
    provider_reference: str | None = None
    decline: Decline | None = None
    refund: Refund | None = None
    version: int = 0  # bumped by the repository on every write (optimistic concurrency)

    @classmethod
    def authorized(cls, command: AuthorizePayment, provider: str, reference: str) -> Payment:
        return cls._answered(
            command, provider, PaymentStatus.AUTHORIZED, provider_reference=reference
        )

    @classmethod
    def declined(cls, command: AuthorizePayment, provider: str, decline: Decline) -> Payment:
        return cls._answered(command, provider, PaymentStatus.DECLINED, decline=decline)

    @classmethod
    def _answered(
        cls,
        command: AuthorizePayment,
        provider: str,
        status: PaymentStatus,
        *,
        provider_reference: str | None = None,
        decline: Decline | None = None,
    ) -> Payment:
        """The payment of ``command`` as the provider answered it."""
        return cls(
            order_id=command.order_id,
            payment_id=ids.payment_id_for(command.order_id),
            customer_id=command.customer_id,
            amount=command.amount,
            provider=provider,
            status=status,
            provider_reference=provider_reference,
            decline=decline,
        )

    @classmethod
    def voided(cls, command: RefundPayment, provider: str) -> Payment:
        """A tombstone: the saga refunded an order this service never authorized."""
        payment = cls(
            order_id=command.order_id,
            payment_id=command.payment_id,
            customer_id="",
            amount=command.amount,
            provider=provider,
            status=PaymentStatus.VOIDED,
        )
        payment.refund = _nothing_refunded(command)
        return payment

    def authorization_outcome(self, command: AuthorizePayment) -> AuthorizationOutcome:
        """The reply this payment already gave, for a redelivered AuthorizePayment."""
        if self.status is PaymentStatus.VOIDED:
            raise PaymentVoidedError(f"order {self.order_id} was refunded before it was authorized")
        if command.amount != self.amount:
            raise InvalidPaymentCommandError(
                f"order {self.order_id} was already processed for {self.amount}, "
                f"not {command.amount}"
            )
        if self.decline is not None:
            return PaymentDeclined(
                order_id=self.order_id,
                amount=self.amount,
                code=self.decline.code,
                message=self.decline.message,
                provider=self.provider,
            )
        return PaymentAuthorized(
            order_id=self.order_id,
            payment_id=self.payment_id,
            amount=self.amount,
            provider=self.provider,
            provider_reference=self.provider_reference or "",
        )

    @property
    def needs_refund(self) -> bool:
        """True while money is held that a refund must give back through the provider."""
        return self.status is PaymentStatus.AUTHORIZED

    def check_refund(self, command: RefundPayment) -> None:
        if command.payment_id != self.payment_id:
            raise InvalidPaymentCommandError(
                f"order {self.order_id} has payment {self.payment_id}, not {command.payment_id}"
            )
        if self.needs_refund and not command.amount.at_most(self.amount):
            raise InvalidPaymentCommandError(
                f"cannot refund {command.amount} of a payment of {self.amount}"
            )

    def refunded(self, command: RefundPayment, provider_reference: str) -> PaymentRefunded:
        """Record the provider's refund of an authorized payment."""
        self.check_refund(command)
        self.refund = Refund(
            refund_id=ids.refund_id_for(self.order_id),
            amount=command.amount,
            reason=command.reason,
            provider_reference=provider_reference,
        )
        self.status = PaymentStatus.REFUNDED
        return self.refund_outcome(command)

    def refund_outcome(self, command: RefundPayment) -> PaymentRefunded:
        """The reply to a RefundPayment that needs no provider call (done, or nothing taken)."""
        if self.needs_refund:
            raise ValueError(f"payment {self.payment_id} still holds money: refund it first")
        self.check_refund(command)
        refund = self.refund or _nothing_refunded(command)
        return PaymentRefunded(
            order_id=self.order_id,
            payment_id=self.payment_id,
            refund_id=refund.refund_id,
            amount=refund.amount,
            reason=refund.reason,
        )


def _nothing_refunded(command: RefundPayment) -> Refund:
    return Refund(
        refund_id=ids.refund_id_for(command.order_id),
        amount=Money.zero(command.amount.currency),
        reason=command.reason,
        provider_reference=None,
    )
