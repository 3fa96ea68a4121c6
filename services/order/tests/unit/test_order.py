"""The Order aggregate: placing checks every line; confirmed and cancelled are final."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from order_service.domain.errors import IllegalTransition, InvalidOrder
from order_service.domain.events import OrderCancelled, OrderConfirmed, OrderPlaced
from order_service.domain.money import Money, MoneyError
from order_service.domain.order import (
    Cancellation,
    CancelReason,
    Confirmation,
    LineRequest,
    Order,
    OrderStatus,
)

from .conftest import LISBON, SKUS

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _place(*lines: LineRequest, currency: str = "EUR") -> Order:
    return Order.place(
        order_id="ord_00000001",
        customer_id="cus_8H2KQ1",
        currency=currency,
        lines=lines,
        shipping_address=LISBON,
        placed_at=NOW,
        known_sku=SKUS.__contains__,
    )


def _problems(*lines: LineRequest, currency: str = "EUR") -> dict[str, str]:
    with pytest.raises(InvalidOrder) as error:
        _place(*lines, currency=currency)
    return {p.field: p.message for p in error.value.problems}


def test_a_placed_order_is_pending_with_a_decimal_total_and_an_order_placed_event() -> None:
    order = _place(
        LineRequest("MUG-BLUE-350", 3, "0.10", "EUR"),
        LineRequest("TEA-EARLGREY-100G", 1, "0.20", "EUR"),
    )
    assert order.status is OrderStatus.PENDING
    assert order.total == Money(Decimal("0.50"), "EUR")  # 3 x 0.10 + 0.20, no float drift
    assert order.total.text() == "0.50"
    assert order.take_events() == [OrderPlaced(order_id="ord_00000001", at=NOW)]
    assert order.take_events() == []


def test_every_bad_line_is_named_by_its_field() -> None:
    problems = _problems(
        LineRequest("MUG-BLUE-350", 0, "12.50", "EUR"),
        LineRequest("NO-SUCH-SKU", 2, "1.00", "EUR"),
        LineRequest("TEA-EARLGREY-100G", 1, "7.90", "USD"),
        LineRequest("KETTLE-STEEL-1L", 1, "-1", "EUR"),
        LineRequest("MUG-BLUE-350", 1001, "1.123456", "EUR"),
    )
    assert problems == {
        "lines[0].quantity": "must be 1 to 1000, was 0",
        "lines[1].sku": "unknown SKU NO-SUCH-SKU",
        "lines[2].unitPrice.currency": "USD differs from the order's currency EUR",
        "lines[3].unitPrice.amount": "must not be negative",
        "lines[4].quantity": "must be 1 to 1000, was 1001",
        "lines[4].unitPrice.amount": "1.123456 has more than 4 decimal places",
    } | {"lines[4].sku": "MUG-BLUE-350 is already on lines[0]"}


def test_an_order_needs_lines_and_a_currency() -> None:
    assert _problems(currency="euro") == {
        "currency": "'euro' is not an ISO 4217 currency code",
        "lines": "an order has 1 to 100 lines",
    }


def test_money_refuses_floats_and_other_currencies() -> None:
    with pytest.raises(MoneyError, match="binary float"):
        Money.of(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="cannot add USD to EUR"):
        _ = Money.of("1", "EUR") + Money.of("1", "USD")


def test_confirm_and_cancel_are_final_and_repeating_them_changes_nothing() -> None:
    confirmed = _place(LineRequest("MUG-BLUE-350", 1, "12.50", "EUR"))
    confirmed.take_events()
    confirmed.confirm(Confirmation("res_00000001", "pay_00000001"), NOW)
    confirmed.confirm(Confirmation("res_00000001", "pay_00000001"), NOW)
    assert confirmed.take_events() == [OrderConfirmed(order_id="ord_00000001", at=NOW)]
    with pytest.raises(IllegalTransition, match="confirmed; it cannot be cancelled"):
        confirmed.cancel(Cancellation(CancelReason.PAYMENT_DECLINED, "declined"), NOW)

    cancelled = _place(LineRequest("MUG-BLUE-350", 1, "12.50", "EUR"))
    cancelled.take_events()
    reason = Cancellation(CancelReason.INSUFFICIENT_STOCK, "out of stock")
    cancelled.cancel(reason, NOW)
    cancelled.cancel(reason, NOW)
    assert cancelled.take_events() == [OrderCancelled(order_id="ord_00000001", at=NOW)]
    assert cancelled.cancellation == reason
    with pytest.raises(IllegalTransition, match="cancelled; it cannot be confirmed"):
        cancelled.confirm(Confirmation("res_00000001", "pay_00000001"), NOW)


def test_saga_steps_are_recorded_once_each() -> None:
    order = _place(LineRequest("MUG-BLUE-350", 1, "12.50", "EUR"))
    order.record_step("InventoryReserved", NOW)
    order.record_step("InventoryReserved", NOW)
    assert [step.name for step in order.steps] == ["InventoryReserved"]
