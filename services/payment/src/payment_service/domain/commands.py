"""Commands the payment service handles (the domain's view of the saga's commands)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from payment_service.domain.money import Money


class RefundReason(StrEnum):
    SAGA_COMPENSATION = "SAGA_COMPENSATION"
    CUSTOMER_REQUEST = "CUSTOMER_REQUEST"


@dataclass(frozen=True)
class AuthorizePayment:
    order_id: str
    customer_id: str
    amount: Money
    reservation_id: str


@dataclass(frozen=True)
class RefundPayment:
    order_id: str
    payment_id: str
    amount: Money
    reason: RefundReason
