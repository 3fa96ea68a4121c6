"""Domain events map to contract data that the contracts' own validator accepts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from ordermesh_contracts.models.saga.authorize_payment_v1 import AuthorizePaymentEvent
from ordermesh_contracts.models.saga.refund_payment_v1 import RefundPaymentEvent
from ordermesh_contracts.validation import default_validator
from payment_service.domain.commands import AuthorizePayment, RefundPayment, RefundReason
from payment_service.domain.events import (
    DeclineCode,
    PaymentAuthorized,
    PaymentDeclined,
    PaymentEvent,
    PaymentRefunded,
)
from payment_service.domain.money import Money
from payment_service.service_layer.messages import authorize_command, refund_command, to_contract

SCHEMAS = Path(__file__).resolve().parents[4] / "contracts" / "schemas"
EUR = Money(Decimal("214.00"), "EUR")


def _example(path: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / path).read_text(encoding="utf-8"))
    return loaded


def _as_published(event: PaymentEvent, example: str) -> dict[str, Any]:
    """The example envelope with its data replaced by ours, then validated by the contracts."""
    envelope = _example(example)
    data = to_contract(event).model_dump(mode="json", by_alias=True, exclude_none=True)
    envelope["detail"]["data"] = data
    default_validator().validate(envelope)
    return data


def test_an_authorize_payment_command_becomes_a_domain_command_with_decimal_money() -> None:
    event = AuthorizePaymentEvent.model_validate(
        _example("saga/AuthorizePayment/examples/v1/eur-order.json")
    )

    command = authorize_command(event.detail.data)

    assert isinstance(command, AuthorizePayment)
    assert isinstance(command.amount.amount, Decimal)
    assert command.amount.text() == event.detail.data.amount.amount
    assert command.order_id == event.detail.data.order_id


def test_a_refund_payment_command_becomes_a_domain_command() -> None:
    event = RefundPaymentEvent.model_validate(
        _example("saga/RefundPayment/examples/v1/saga-compensation.json")
    )

    command = refund_command(event.detail.data)

    assert command == RefundPayment(
        order_id="ord_01JDF2H6K9QS",
        payment_id="pay_01JDF2H8P5VG",
        amount=Money(Decimal("125.00"), "GBP"),
        reason=RefundReason.SAGA_COMPENSATION,
    )


def test_payment_authorized_maps_to_its_contract() -> None:
    event = PaymentAuthorized("ord_01JDK2V9N4RY", "pay_01JDK2W0A1BC", EUR, "adyen", "PSP-88123")

    data = _as_published(event, "payment/PaymentAuthorized/examples/v1/adyen-card.json")

    assert data == {
        "orderId": "ord_01JDK2V9N4RY",
        "paymentId": "pay_01JDK2W0A1BC",
        "amount": {"amount": "214.00", "currency": "EUR"},
        "provider": "adyen",
        "providerReference": "PSP-88123",
    }


def test_a_real_decline_maps_to_a_non_retryable_payment_declined() -> None:
    event = PaymentDeclined(
        "ord_01JDK2V9N4RY", EUR, DeclineCode.INSUFFICIENT_FUNDS, "Not enough funds.", "adyen"
    )

    data = _as_published(event, "payment/PaymentDeclined/examples/v1/insufficient-funds.json")

    assert data["declineCode"] == "INSUFFICIENT_FUNDS"
    assert data["retryable"] is False
    assert data["amount"] == {"amount": "214.00", "currency": "EUR"}


def test_payment_refunded_maps_to_its_contract_even_for_zero() -> None:
    event = PaymentRefunded(
        "ord_01JDF2H6K9QS",
        "pay_01JDF2H8P5VG",
        "ref_01JDF2K3S9YB",
        Money(Decimal("0.00"), "GBP"),
        RefundReason.SAGA_COMPENSATION,
    )

    data = _as_published(event, "payment/PaymentRefunded/examples/v1/saga-compensation.json")

    assert data["amount"] == {"amount": "0.00", "currency": "GBP"}
    assert data["refundId"] == "ref_01JDF2K3S9YB"
