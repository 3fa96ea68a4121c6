"""The order API's request and response bodies."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from order_service.domain.money import CURRENCY, MAX_INTEGER_DIGITS, MAX_SCALE
from order_service.domain.order import MAX_LINES, MAX_QUANTITY, SKU, Address, LineRequest, Order
from order_service.service_layer.commands import PlaceOrder

# What the domain accepts, stated in the OpenAPI document: a request valid under it is accepted
# unless it breaks a rule a schema cannot state (a line in another currency, a SKU on two lines,
# a SKU not in the catalog), which is a 422 naming the field.
DECIMAL = rf"^[0-9]{{1,{MAX_INTEGER_DIGITS}}}(\.[0-9]{{1,{MAX_SCALE}}})?$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class MoneyIn(_Body):
    amount: Annotated[
        str,
        Field(
            pattern=DECIMAL,
            description='Decimal text in major units, not negative, e.g. "19.99"',
        ),
    ]
    currency: Annotated[
        str, Field(pattern=CURRENCY.pattern, description="ISO 4217 code, the order's currency")
    ]


class LineIn(_Body):
    sku: Annotated[str, Field(pattern=SKU.pattern, description="A SKU of the catalog")]
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
    unit_price: Annotated[MoneyIn, Field(alias="unitPrice")]


class AddressIn(_Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    line1: Annotated[str, Field(min_length=1, max_length=200)]
    line2: Annotated[str | None, Field(max_length=200)] = None
    city: Annotated[str, Field(min_length=1, max_length=100)]
    region: Annotated[str | None, Field(max_length=100)] = None
    postal_code: Annotated[str, Field(alias="postalCode", min_length=1, max_length=20)]
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class PlaceOrderRequest(_Body):
    """``POST /orders``. Every line's price must be in the order's currency."""

    customer_id: Annotated[str, Field(alias="customerId", pattern=r"^cus_[0-9A-Za-z]{4,32}$")]
    currency: Annotated[str, Field(pattern=CURRENCY.pattern)]
    lines: Annotated[
        list[LineIn],
        Field(
            min_length=1,
            max_length=MAX_LINES,
            description="Each SKU on one line, each price in the order's currency",
        ),
    ]
    shipping_address: Annotated[AddressIn, Field(alias="shippingAddress")]

    def command(self, request_id: str, idempotency_key: str | None) -> PlaceOrder:
        address = self.shipping_address
        return PlaceOrder(
            customer_id=self.customer_id,
            currency=self.currency,
            lines=tuple(
                LineRequest(
                    line.sku, line.quantity, line.unit_price.amount, line.unit_price.currency
                )
                for line in self.lines
            ),
            shipping_address=Address(
                name=address.name,
                line1=address.line1,
                line2=address.line2,
                city=address.city,
                region=address.region,
                postal_code=address.postal_code,
                country=address.country,
            ),
            request_id=request_id,
            idempotency_key=idempotency_key,
        )


def order_view(order: Order) -> dict[str, Any]:
    """``GET /orders/{orderId}``: the order, its status and the saga's progress."""
    view: dict[str, Any] = {
        "orderId": order.order_id,
        "customerId": order.customer_id,
        "status": order.status.value,
        "currency": order.currency,
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "unitPrice": {"amount": line.unit_price.text(), "currency": order.currency},
            }
            for line in order.lines
        ],
        "total": {"amount": order.total.text(), "currency": order.currency},
        "shippingAddress": {
            k: v
            for k, v in {
                "name": order.shipping_address.name,
                "line1": order.shipping_address.line1,
                "line2": order.shipping_address.line2,
                "city": order.shipping_address.city,
                "region": order.shipping_address.region,
                "postalCode": order.shipping_address.postal_code,
                "country": order.shipping_address.country,
            }.items()
            if v is not None
        },
        "placedAt": order.placed_at.isoformat(),
        "updatedAt": order.updated_at.isoformat() if order.updated_at else None,
        "sagaProgress": [{"step": s.name, "at": s.at.isoformat()} for s in order.steps],
    }
    if order.cancellation is not None:
        view["cancellation"] = {
            "reason": order.cancellation.reason.value,
            "message": order.cancellation.message,
            "compensated": list(order.cancellation.compensated),
        }
    if order.confirmation is not None:
        view["confirmation"] = {
            "reservationId": order.confirmation.reservation_id,
            "paymentId": order.confirmation.payment_id,
        }
    return view
