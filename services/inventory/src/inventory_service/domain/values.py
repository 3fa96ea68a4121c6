"""Value objects and identifier rules shared by the domain modules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from inventory_service.domain.errors import InvalidValueError

ORDER_ID = re.compile(r"^ord_[0-9A-Za-z]{8,32}$")
SKU = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")
MAX_LINE_QUANTITY = 1000
RESERVATION_ID_PREFIX = "res_"


class RejectionReason(StrEnum):
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    UNKNOWN_SKU = "UNKNOWN_SKU"
    INVALID_QUANTITY = "INVALID_QUANTITY"


class ReleaseReason(StrEnum):
    SAGA_COMPENSATION = "SAGA_COMPENSATION"
    RESERVATION_EXPIRED = "RESERVATION_EXPIRED"
    ORDER_CANCELLED = "ORDER_CANCELLED"


@dataclass(frozen=True)
class Line:
    """A quantity of one SKU: a line to reserve, reserved or released."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class RejectedLine:
    sku: str
    requested: int
    available: int
    reason: RejectionReason


def check_order_id(order_id: str, field: str = "orderId") -> str:
    if not ORDER_ID.fullmatch(order_id):
        raise InvalidValueError(field, f"{order_id!r} is not an order id (ord_ + 8-32 letters)")
    return order_id


def check_sku(sku: str, field: str) -> str:
    if not SKU.fullmatch(sku):
        raise InvalidValueError(field, f"{sku!r} is not a SKU (A-Z, 0-9 and '-', 3-32 chars)")
    return sku


def check_non_negative(value: int, field: str) -> int:
    if value < 0:
        raise InvalidValueError(field, f"must be 0 or more, got {value}")
    return value


def reservation_id_for(order_id: str) -> str:
    """The id of an order's reservation: derived from the order id, so one order has one id.

    Deterministic ids make a duplicate ReserveInventory land on the same record (a conditional
    insert in storage) instead of creating a second reservation.
    """
    return RESERVATION_ID_PREFIX + check_order_id(order_id).removeprefix("ord_")
