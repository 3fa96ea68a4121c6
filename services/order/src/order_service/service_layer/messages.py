"""Domain events to contract events: the outbox messages a change of an order publishes.

OrderPlaced goes out as v1 and v2 side by side until no consumer declares v1; v1 carries amounts
as JSON numbers (its contract says so), v2 as decimal strings.
"""

from __future__ import annotations

from typing import Any

from ordermesh_contracts.models.order import (
    order_cancelled_v1,
    order_confirmed_v1,
    order_placed_v1,
    order_placed_v2,
)
from pydantic import BaseModel

from order_service.adapters.ports import Ids, OutboxMessage
from order_service.domain.events import DomainEvent, OrderCancelled, OrderConfirmed, OrderPlaced
from order_service.domain.order import Address, Order


def outbox_messages(
    order: Order, events: list[DomainEvent], *, causation_id: str, ids: Ids
) -> list[OutboxMessage]:
    messages = []
    for event in events:
        for ref, data in _contract_data(order, event):
            messages.append(
                OutboxMessage(
                    event_id=ids.event_id(),
                    ref=ref,
                    data=data.model_dump(mode="json", by_alias=True, exclude_none=True),
                    correlation_id=order.order_id,
                    causation_id=causation_id,
                    occurred_at=event.at,
                )
            )
    return messages


def _contract_data(order: Order, event: DomainEvent) -> list[tuple[str, BaseModel]]:
    if isinstance(event, OrderPlaced):
        return [("OrderPlaced@1", _placed_v1(order)), ("OrderPlaced@2", _placed_v2(order))]
    if isinstance(event, OrderConfirmed) and order.confirmation is not None:
        confirmed = order_confirmed_v1.OrderConfirmed.model_validate(
            {
                "orderId": order.order_id,
                "customerId": order.customer_id,
                "total": {"amount": order.total.text(), "currency": order.currency},
                "reservationId": order.confirmation.reservation_id,
                "paymentId": order.confirmation.payment_id,
            }
        )
        return [("OrderConfirmed@1", confirmed)]
    if isinstance(event, OrderCancelled) and order.cancellation is not None:
        cancellation = order.cancellation
        cancelled = order_cancelled_v1.OrderCancelled.model_validate(
            {
                "orderId": order.order_id,
                "customerId": order.customer_id,
                "reason": {"code": cancellation.reason.value, "message": cancellation.message},
                "compensated": list(cancellation.compensated),
            }
        )
        return [("OrderCancelled@1", cancelled)]
    return []  # progress only: nothing to publish


def _address(address: Address) -> dict[str, Any]:
    fields = {
        "name": address.name,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "region": address.region,
        "postalCode": address.postal_code,
        "country": address.country,
    }
    return {key: value for key, value in fields.items() if value is not None}


def _placed_v1(order: Order) -> order_placed_v1.OrderPlaced:
    return order_placed_v1.OrderPlaced.model_validate(
        {
            "orderId": order.order_id,
            "customerId": order.customer_id,
            "currency": order.currency,
            "lines": [
                {
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unitPrice": float(line.unit_price.amount),
                }
                for line in order.lines
            ],
            "total": float(order.total.amount),
            "shippingAddress": _address(order.shipping_address),
        }
    )


def _placed_v2(order: Order) -> order_placed_v2.OrderPlaced:
    def money(amount: str) -> dict[str, str]:
        return {"amount": amount, "currency": order.currency}

    return order_placed_v2.OrderPlaced.model_validate(
        {
            "orderId": order.order_id,
            "customerId": order.customer_id,
            "lines": [
                {
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unitPrice": money(line.unit_price.text()),
                }
                for line in order.lines
            ],
            "total": money(order.total.text()),
            "shippingAddress": _address(order.shipping_address),
        }
    )
