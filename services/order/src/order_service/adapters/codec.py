"""An Order as JSON and back, for the stores (SQLite locally, DynamoDB in AWS)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from order_service.domain.money import Money
from order_service.domain.order import (
    Address,
    Cancellation,
    CancelReason,
    Confirmation,
    Order,
    OrderLine,
    OrderStatus,
    SagaStep,
)


def order_to_json(order: Order) -> dict[str, Any]:
    return {
        "orderId": order.order_id,
        "customerId": order.customer_id,
        "currency": order.currency,
        "lines": [
            {"sku": line.sku, "quantity": line.quantity, "unitPrice": line.unit_price.text()}
            for line in order.lines
        ],
        "shippingAddress": vars(order.shipping_address),
        "placedAt": order.placed_at.isoformat(),
        "status": order.status.value,
        "updatedAt": order.updated_at.isoformat() if order.updated_at else None,
        "confirmation": vars(order.confirmation) if order.confirmation else None,
        "cancellation": _cancellation(order.cancellation),
        "steps": [{"name": step.name, "at": step.at.isoformat()} for step in order.steps],
        "version": order.version,
    }


def order_from_json(data: dict[str, Any]) -> Order:
    currency = data["currency"]
    cancellation = data["cancellation"]
    return Order(
        order_id=data["orderId"],
        customer_id=data["customerId"],
        currency=currency,
        lines=tuple(
            OrderLine(line["sku"], line["quantity"], Money(Decimal(line["unitPrice"]), currency))
            for line in data["lines"]
        ),
        shipping_address=Address(**data["shippingAddress"]),
        placed_at=datetime.fromisoformat(data["placedAt"]),
        status=OrderStatus(data["status"]),
        updated_at=datetime.fromisoformat(data["updatedAt"]) if data["updatedAt"] else None,
        confirmation=Confirmation(**data["confirmation"]) if data["confirmation"] else None,
        cancellation=(
            Cancellation(
                CancelReason(cancellation["reason"]),
                cancellation["message"],
                tuple(cancellation["compensated"]),
            )
            if cancellation
            else None
        ),
        steps=tuple(SagaStep(s["name"], datetime.fromisoformat(s["at"])) for s in data["steps"]),
        version=data["version"],
    )


def _cancellation(cancellation: Cancellation | None) -> dict[str, Any] | None:
    if cancellation is None:
        return None
    return {
        "reason": cancellation.reason.value,
        "message": cancellation.message,
        "compensated": list(cancellation.compensated),
    }
