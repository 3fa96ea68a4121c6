"""Generated order flows for the lake: every event an order's saga makes, as the bus carries them.

Seeded, so a data set is the same every time: orders placed across several days and hours, in
several currencies, of a catalogue of SKUs; each goes through the order saga and ends in one of
its outcomes, with the events each service and the saga publish, their commands, task tokens
and compensations:

- confirmed (OrderConfirmed, OrderSagaSucceeded);
- rejected by inventory (InventoryReservationRejected; failed at ReserveInventory, nothing to
  compensate);
- declined by the payment provider (PaymentDeclined with a decline code; the reservation
  released);
- timed out confirming after the payment was captured (States.Timeout at ConfirmOrder; the
  payment refunded, sometimes failing, and the reservation released).

The events are valid against their contracts (a test checks them all), so they are what the
delivery streams would write. The tests compute the named queries' answers from these events in
plain Python; the benchmarks generate a million of them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

ACCOUNT: Final = "123456789012"
REGION: Final = "eu-west-1"
MACHINE: Final = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:ordermesh-order-saga"
CURRENCIES: Final = {"EUR": Decimal(1), "USD": Decimal("1.08"), "GBP": Decimal("0.86")}
SKUS: Final = {  # base price in EUR
    "MUG-BLUE-350": Decimal("12.50"),
    "MUG-RED-350": Decimal("12.50"),
    "TEA-EARLGREY-100G": Decimal("7.90"),
    "TEA-SENCHA-100G": Decimal("9.40"),
    "COFFEE-ARABICA-1KG": Decimal("24.00"),
    "TEAPOT-CAST-1L": Decimal("49.95"),
    "KETTLE-STEEL-17": Decimal("39.00"),
    "FILTER-PAPER-100": Decimal("3.20"),
    "GRINDER-HAND-01": Decimal("34.99"),
    "SPOON-SET-6": Decimal("8.75"),
}
DECLINE_CODES: Final = {  # code: (weight, retryable)
    "INSUFFICIENT_FUNDS": (40, False),
    "CARD_DECLINED": (25, False),
    "CARD_EXPIRED": (10, False),
    "FRAUD_SUSPECTED": (5, False),
    "AUTHENTICATION_FAILED": (12, False),
    "PROVIDER_UNAVAILABLE": (8, True),
}
PROVIDERS: Final = ("stripe", "adyen")


@dataclass(frozen=True)
class Mix:
    """How often an order ends each way other than confirmed (the rest are confirmed)."""

    rejected: float = 0.07
    declined: float = 0.12
    timed_out: float = 0.03
    refund_fails: float = 0.2  # of the timed-out orders' refunds


def generate_events(
    *, seed: int, orders: int, start: datetime, days: int, mix: Mix | None = None
) -> Iterator[dict[str, Any]]:
    """The events of ``orders`` orders placed between ``start`` and ``days`` days later (UTC),
    order by order, each order's events in the order they happen."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable data set, not a secret
    span = days * 86_400_000
    for _ in range(orders):
        placed = start + timedelta(milliseconds=rng.randrange(span))
        yield from _Order(rng, placed, mix or Mix()).events()


class _Order:
    """One order's saga, its events stamped as it goes."""

    def __init__(self, rng: random.Random, placed: datetime, mix: Mix) -> None:
        self.rng = rng
        self.now = placed
        self.mix = mix
        self.order_id = "ord_" + self._token(12)
        self.customer_id = "cus_" + self._token(6)
        self.currency = rng.choice(list(CURRENCIES))
        self.execution = f"{MACHINE.replace(':stateMachine:', ':execution:')}:{self.order_id}"
        self.reservation_id = "res_" + self._token(12)
        self.payment_id = "pay_" + self._token(12)
        self.out: list[dict[str, Any]] = []
        self.causation = "req-" + self._token(8)

    def events(self) -> list[dict[str, Any]]:
        lines = self._lines()
        total = {"amount": str(sum(map(_amount, lines))), "currency": self.currency}
        quantities = [{"sku": line["sku"], "quantity": line["quantity"]} for line in lines]
        self._emit("ordermesh.order", "OrderPlaced", 2, {
            "orderId": self.order_id, "customerId": self.customer_id, "lines": lines,
            "total": total, "shippingAddress": self._address(),
        })  # fmt: skip
        self._step(40, 120)
        self._command("ReserveInventory", {
            "orderId": self.order_id, "lines": quantities, "reservationTtlSeconds": 900,
        })  # fmt: skip
        outcome = self.rng.random()
        self._step(15, 300)
        if outcome < self.mix.rejected:
            return self._rejected(quantities)
        expires = self.now + timedelta(seconds=900)
        self._reply("ordermesh.inventory", "InventoryReserved", {
            "orderId": self.order_id, "reservationId": self.reservation_id,
            "lines": quantities, "expiresAt": _stamp(expires),
        })  # fmt: skip
        self._step(20, 150)
        self._command("AuthorizePayment", {
            "orderId": self.order_id, "customerId": self.customer_id, "amount": total,
            "reservationId": self.reservation_id,
        })  # fmt: skip
        self._step(200, 2500)
        if outcome < self.mix.rejected + self.mix.declined:
            return self._declined(total, quantities)
        provider = self.rng.choice(PROVIDERS)
        self._reply("ordermesh.payment", "PaymentAuthorized", {
            "orderId": self.order_id, "paymentId": self.payment_id, "amount": total,
            "provider": provider, "providerReference": f"{provider}_{self._token(16)}",
        })  # fmt: skip
        if outcome < self.mix.rejected + self.mix.declined + self.mix.timed_out:
            return self._timed_out(total, quantities)
        self._step(20, 200)
        self._emit("ordermesh.order", "OrderConfirmed", 1, {
            "orderId": self.order_id, "customerId": self.customer_id, "total": total,
            "reservationId": self.reservation_id, "paymentId": self.payment_id,
        })  # fmt: skip
        self._step(10, 80)
        self._outcome("OrderSagaSucceeded", {
            "orderId": self.order_id, "executionArn": self.execution,
            "reservationId": self.reservation_id, "paymentId": self.payment_id,
        })  # fmt: skip
        return self.out

    def _rejected(self, quantities: list[dict[str, Any]]) -> list[Any]:
        line = self.rng.choice(quantities)
        self._reply("ordermesh.inventory", "InventoryReservationRejected", {
            "orderId": self.order_id, "reason": "INSUFFICIENT_STOCK",
            "rejectedLines": [{
                "sku": line["sku"], "requested": line["quantity"],
                "available": self.rng.randrange(line["quantity"]), "reason": "INSUFFICIENT_STOCK",
            }],
        })  # fmt: skip
        self._failed("ReserveInventory", "INSUFFICIENT_STOCK", "Not enough stock.", [])
        self._cancelled("INSUFFICIENT_STOCK", [])
        return self.out

    def _declined(self, total: dict[str, str], quantities: list[dict[str, Any]]) -> list[Any]:
        codes = list(DECLINE_CODES)
        code = self.rng.choices(codes, weights=[DECLINE_CODES[c][0] for c in codes])[0]
        self._reply("ordermesh.payment", "PaymentDeclined", {
            "orderId": self.order_id, "amount": total, "declineCode": code,
            "message": f"Payment declined: {code}.", "retryable": DECLINE_CODES[code][1],
            "provider": self.rng.choice(PROVIDERS),
        })  # fmt: skip
        self._release("SAGA_COMPENSATION", quantities)
        self._failed(
            "AuthorizePayment",
            "PAYMENT_DECLINED",
            f"Payment declined: {code}.",
            [{"step": "ReleaseInventory", "status": "COMPLETED"}],
        )
        self._cancelled("PAYMENT_DECLINED", ["ReleaseInventory"])
        return self.out

    def _timed_out(self, total: dict[str, str], quantities: list[dict[str, Any]]) -> list[Any]:
        self._step(60_000, 61_000)  # ConfirmOrder's timeout
        self._command("RefundPayment", {
            "orderId": self.order_id, "paymentId": self.payment_id, "amount": total,
            "reason": "SAGA_COMPENSATION",
        })  # fmt: skip
        refunded = self.rng.random() >= self.mix.refund_fails
        if refunded:
            self._step(100, 900)
            self._reply("ordermesh.payment", "PaymentRefunded", {
                "orderId": self.order_id, "paymentId": self.payment_id,
                "refundId": "ref_" + self._token(12), "amount": total,
                "reason": "SAGA_COMPENSATION",
            })  # fmt: skip
        else:
            self._step(60_000, 60_500)  # the refund's own timeout
        self._release("SAGA_COMPENSATION", quantities)
        compensations = [
            {"step": "RefundPayment", "status": "COMPLETED" if refunded else "FAILED"},
            {"step": "ReleaseInventory", "status": "COMPLETED"},
        ]
        self._failed("ConfirmOrder", "States.Timeout", "ConfirmOrder timed out.", compensations)
        done = ["RefundPayment", "ReleaseInventory"] if refunded else ["ReleaseInventory"]
        self._cancelled("SAGA_TIMED_OUT", done)
        return self.out

    def _release(self, reason: str, quantities: list[dict[str, Any]]) -> None:
        self._step(20, 150)
        self._command("ReleaseInventory", {
            "orderId": self.order_id, "reservationId": self.reservation_id, "reason": reason,
        })  # fmt: skip
        self._step(15, 200)
        self._reply("ordermesh.inventory", "InventoryReleased", {
            "orderId": self.order_id, "reservationId": self.reservation_id,
            "lines": quantities, "reason": reason,
        })  # fmt: skip

    def _failed(
        self, step: str, code: str, message: str, compensations: list[dict[str, str]]
    ) -> None:
        self._step(10, 80)
        self._outcome("OrderSagaFailed", {
            "orderId": self.order_id, "executionArn": self.execution, "failedStep": step,
            "reason": {"code": code, "message": message}, "compensations": compensations,
        })  # fmt: skip

    def _cancelled(self, code: str, compensated: list[str]) -> None:
        self._step(10, 120)
        self._emit("ordermesh.order", "OrderCancelled", 1, {
            "orderId": self.order_id, "customerId": self.customer_id,
            "reason": {"code": code, "message": f"Cancelled: {code}."}, "compensated": compensated,
        })  # fmt: skip

    # --- stamping -----------------------------------------------------------------------------
    def _step(self, low_ms: int, high_ms: int) -> None:
        """Time passes: a skewed duration between the bounds (most steps are quick)."""
        share = self.rng.random() ** 3
        self.now += timedelta(milliseconds=low_ms + int(share * (high_ms - low_ms)))

    def _command(self, name: str, data: dict[str, Any]) -> None:
        self._emit("ordermesh.saga", name, 1, data, token=True)

    def _reply(self, source: str, name: str, data: dict[str, Any]) -> None:
        self._emit(source, name, 1, data, token=True)

    def _outcome(self, name: str, data: dict[str, Any]) -> None:
        self._emit("ordermesh.saga", name, 1, data, resources=[self.execution, MACHINE])

    def _emit(
        self,
        source: str,
        name: str,
        version: int,
        data: dict[str, Any],
        *,
        token: bool = False,
        resources: list[str] | None = None,
    ) -> dict[str, Any]:
        event_id = self._uuid()
        metadata = {
            "eventId": event_id,
            "eventVersion": version,
            "correlationId": self.order_id,
            "causationId": self.causation,
            "occurredAt": _stamp(self.now),
        }
        if token:
            metadata["taskToken"] = "AQC" + self._token(40)
        self.causation = event_id
        arrival = self.now + timedelta(milliseconds=self.rng.randrange(5, 400))
        event = {
            "version": "0",
            "id": self._uuid(),
            "detail-type": name,
            "source": source,
            "account": ACCOUNT,
            "time": arrival.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": resources or [],
            "detail": {"metadata": metadata, "data": data},
        }
        self.out.append(event)
        return event

    def _lines(self) -> list[dict[str, Any]]:
        count = self.rng.choices((1, 2, 3, 4), weights=(50, 30, 15, 5))[0]
        skus = self.rng.sample(list(SKUS), count)
        rate = CURRENCIES[self.currency]
        return [
            {
                "sku": sku,
                "quantity": self.rng.choices((1, 2, 3, 6), weights=(60, 25, 10, 5))[0],
                "unitPrice": {
                    "amount": str((SKUS[sku] * rate).quantize(Decimal("0.01"))),
                    "currency": self.currency,
                },
            }
            for sku in skus
        ]

    def _address(self) -> dict[str, str]:
        city, postal, country = self.rng.choice(
            (("Lisboa", "1100-048", "PT"), ("Berlin", "10115", "DE"), ("Leeds", "LS1 4DY", "GB"))
        )
        return {"name": "Customer " + self._token(4), "line1": "Main Street 1", "city": city,
                "postalCode": postal, "country": country}  # fmt: skip

    def _token(self, length: int) -> str:
        alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
        return "".join(alphabet[self.rng.getrandbits(5)] for _ in range(length))

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def _amount(line: dict[str, Any]) -> Decimal:
    quantity: int = line["quantity"]
    return Decimal(line["unitPrice"]["amount"]) * quantity


def _stamp(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as producers stamp ``occurredAt``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
