"""A Payment as a document of strings and back, for the stores (SQLite and DynamoDB).

The document holds text only (amounts as the contracts write them, e.g. ``"214.00"``), so both
stores keep an amount exactly as it was given. Absent parts (no decline, no refund, no provider
reference) are left out rather than stored as null. The version is not in the document: each
store keeps it beside the document, where its conditional writes can test it.
"""

from __future__ import annotations

from payment_service.domain.commands import RefundReason
from payment_service.domain.events import DeclineCode
from payment_service.domain.model import Decline, Payment, PaymentStatus, Refund
from payment_service.domain.money import Money

Document = dict[str, str | dict[str, str]]


def payment_to_document(payment: Payment) -> Document:
    document: Document = {
        "orderId": payment.order_id,
        "paymentId": payment.payment_id,
        "customerId": payment.customer_id,
        "amount": _money(payment.amount),
        "provider": payment.provider,
        "status": payment.status.value,
    }
    if payment.provider_reference is not None:
        document["providerReference"] = payment.provider_reference
    if payment.decline is not None:
        document["decline"] = {
            "code": payment.decline.code.value,
            "message": payment.decline.message,
        }
    if payment.refund is not None:
        document["refund"] = _refund(payment.refund)
    return document


def payment_from_document(document: Document, version: int) -> Payment:
    decline = document.get("decline")
    refund = document.get("refund")
    return Payment(
        order_id=_text(document, "orderId"),
        payment_id=_text(document, "paymentId"),
        customer_id=_text(document, "customerId"),
        amount=_read_money(_part(document, "amount")),
        provider=_text(document, "provider"),
        status=PaymentStatus(_text(document, "status")),
        provider_reference=_optional_text(document, "providerReference"),
        decline=_read_decline(decline) if isinstance(decline, dict) else None,
        refund=_read_refund(refund) if isinstance(refund, dict) else None,
        version=version,
    )


def _money(money: Money) -> dict[str, str]:
    return {"amount": money.text(), "currency": money.currency}


def _refund(refund: Refund) -> dict[str, str]:
    part = {
        "refundId": refund.refund_id,
        "amount": refund.amount.text(),
        "currency": refund.amount.currency,
        "reason": refund.reason.value,
    }
    if refund.provider_reference is not None:
        part["providerReference"] = refund.provider_reference
    return part


def _read_money(part: dict[str, str]) -> Money:
    return Money.parse(part["amount"], part["currency"])


def _read_decline(part: dict[str, str]) -> Decline:
    return Decline(DeclineCode(part["code"]), part["message"])


def _read_refund(part: dict[str, str]) -> Refund:
    return Refund(
        refund_id=part["refundId"],
        amount=Money.parse(part["amount"], part["currency"]),
        reason=RefundReason(part["reason"]),
        provider_reference=part.get("providerReference"),
    )


def _text(document: Document, name: str) -> str:
    value = document[name]
    if not isinstance(value, str):
        raise TypeError(f"payment document: {name} must be text")
    return value


def _optional_text(document: Document, name: str) -> str | None:
    return _text(document, name) if name in document else None


def _part(document: Document, name: str) -> dict[str, str]:
    value = document[name]
    if not isinstance(value, dict):
        raise TypeError(f"payment document: {name} must be an object")
    return value
