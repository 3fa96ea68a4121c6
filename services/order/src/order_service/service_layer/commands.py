"""What the order service is asked to do, as its use cases take it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from order_service.domain.order import Address, CancelReason, LineRequest


@dataclass(frozen=True)
class PlaceOrder:
    customer_id: str
    currency: str
    lines: tuple[LineRequest, ...]
    shipping_address: Address
    request_id: str  # the HTTP request's id: the events' causation id
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        """A digest of what was asked (not of how it was sent): the same order twice under one
        idempotency key is a retry; a different one is a conflict."""
        asked = {
            "customer_id": self.customer_id,
            "currency": self.currency,
            "lines": [vars(line) for line in self.lines],
            "shipping_address": vars(self.shipping_address),
        }  # the same JSON dataclasses.asdict gives, without its deep copies
        canonical = json.dumps(asked, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ConfirmOrder:
    """The saga succeeded (OrderSagaSucceeded)."""

    order_id: str
    reservation_id: str
    payment_id: str
    causation_id: str  # the saga event's id


@dataclass(frozen=True)
class CancelOrder:
    """The saga failed (OrderSagaFailed)."""

    order_id: str
    reason: CancelReason
    message: str
    compensated: tuple[str, ...]
    causation_id: str


@dataclass(frozen=True)
class RecordSagaStep:
    """A saga step the order service hears of (its progress on ``GET /orders/{id}``)."""

    order_id: str
    step: str
    causation_id: str
