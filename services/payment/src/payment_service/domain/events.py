"""Domain events: facts the payment service publishes, as frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from payment_service.domain.commands import RefundReason
from payment_service.domain.money import Money


class DeclineCode(StrEnum):
    """Why the provider declined. There is no "provider unavailable": that is not a decline."""

    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    CARD_EXPIRED = "CARD_EXPIRED"
    CARD_DECLINED = "CARD_DECLINED"
    FRAUD_SUSPECTED = "FRAUD_SUSPECTED"
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"


@dataclass(frozen=True)
class PaymentAuthorized:
    order_id: str
    payment_id: str
    amount: Money
    provider: str
    provider_reference: str


@dataclass(frozen=True)
class PaymentDeclined:
    order_id: str
    amount: Money
    code: DeclineCode
    message: str
    provider: str


@dataclass(frozen=True)
class PaymentRefunded:
    """The amount went back to the customer; zero when nothing had ever been taken."""

    order_id: str
    payment_id: str
    refund_id: str
    amount: Money
    reason: RefundReason


PaymentEvent = PaymentAuthorized | PaymentDeclined | PaymentRefunded
AuthorizationOutcome = PaymentAuthorized | PaymentDeclined
