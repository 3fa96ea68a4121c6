"""Events of order sagas as the analytics stream carries them, built from the contracts'
examples with fresh ids and event times, and a seeded scenario of many orders."""

from __future__ import annotations

import copy
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from analytics_service.service_layer.count_events import StreamRecord

SCHEMAS = Path(__file__).resolve().parents[3] / "contracts" / "schemas"
T0 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)

EXAMPLES = {
    "placed": "order/OrderPlaced/examples/v2/single-line.json",
    "placed_v1": "order/OrderPlaced/examples/v1/single-line.json",
    "reserved": "inventory/InventoryReserved/examples/v1/single-line.json",
    "rejected": "inventory/InventoryReservationRejected/examples/v1/insufficient-stock.json",
    "authorized": "payment/PaymentAuthorized/examples/v1/stripe-card.json",
    "declined": "payment/PaymentDeclined/examples/v1/insufficient-funds.json",
    "released": "inventory/InventoryReleased/examples/v1/saga-compensation.json",
    "confirmed": "order/OrderConfirmed/examples/v1/single-line-usd.json",
    "cancelled": "order/OrderCancelled/examples/v1/payment-declined.json",
    "succeeded": "saga/OrderSagaSucceeded/examples/v1/usd-order.json",
    "failed": "saga/OrderSagaFailed/examples/v1/payment-declined.json",
    "stock_low": "inventory/StockLevelLow/examples/v1/out-of-stock.json",
    "reserve_command": "saga/ReserveInventory/examples/v1/single-line.json",
}


@cache
def _example(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / EXAMPLES[kind]).read_text())
    return loaded


def iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event(
    kind: str,
    at: datetime,
    correlation_id: str = "ord_01JD9A7XG3NB",
    *,
    event_id: str | None = None,
    **data: Any,
) -> dict[str, Any]:
    """The example event of ``kind`` at ``at`` with a new event id (and data fields)."""
    found = copy.deepcopy(_example(kind))
    metadata = found["detail"]["metadata"]
    metadata["eventId"] = event_id or str(uuid.uuid4())
    metadata["correlationId"] = correlation_id
    metadata["occurredAt"] = iso(at)
    found["detail"]["data"].update(data)
    return found


def occurred_at(e: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(e["detail"]["metadata"]["occurredAt"])


def stream_record(
    shard: str, sequence: int | str, e: dict[str, Any], *, delay: timedelta = timedelta(seconds=1)
) -> StreamRecord:
    """The stream's record of ``e`` in ``shard``, arrived ``delay`` after its event time."""
    return StreamRecord(shard, str(sequence), json.dumps(e).encode(), occurred_at(e) + delay)


def money(amount: str, currency: str) -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def scenario(orders: int, seed: int = 7, minutes: int = 6) -> list[dict[str, Any]]:
    """Order sagas spread over ``minutes`` from T0, in event-time order: each placed, then
    reserved or rejected, authorized or declined (released as compensation), confirmed or
    cancelled, with the saga's outcome; some stock-low events."""
    rng = random.Random(seed)
    found: list[dict[str, Any]] = []
    for n in range(orders):
        cid = f"ord_{n:012d}"
        at = T0 + timedelta(seconds=rng.uniform(0, minutes * 60 - 40))
        currency = rng.choice(["EUR", "USD"])
        total = money(str(Decimal(rng.randint(100, 20000)) / 100), currency)
        found.append(event("placed", at, cid, total=total))
        found.append(event("placed_v1", at, cid))
        step = lambda: timedelta(milliseconds=rng.randint(50, 3000))  # noqa: E731
        at += step()
        if rng.random() < 0.1:
            found.append(event("rejected", at, cid))
            at += step()
            found.append(
                event("cancelled", at, cid, reason={"code": "INSUFFICIENT_STOCK", "message": "x"})
            )
            found.append(event("failed", at + step(), cid))
            continue
        found.append(event("reserved", at, cid))
        if rng.random() < 0.05:
            found.append(event("stock_low", at, cid, warehouse=rng.choice(["DUB-1", "FRA-2"])))
        at += step()
        if rng.random() < 0.15:
            found.append(
                event(
                    "declined",
                    at,
                    cid,
                    declineCode=rng.choice(["INSUFFICIENT_FUNDS", "CARD_EXPIRED"]),
                )
            )
            at += step()
            found.append(event("released", at, cid))
            found.append(event("cancelled", at + step(), cid))
            found.append(event("failed", at + step(), cid))
            continue
        found.append(event("authorized", at, cid))
        at += step()
        found.append(event("confirmed", at, cid, total=total))
        found.append(event("succeeded", at + step(), cid))
    found.sort(key=lambda e: e["detail"]["metadata"]["occurredAt"])
    return found


def disordered(events: list[dict[str, Any]], seed: int, within: timedelta) -> list[dict[str, Any]]:
    """Every event twice, shuffled so that no event arrives after one more than ``within``
    later than it in event time."""
    rng = random.Random(seed)
    doubled = [e for e in events for _ in range(2)]
    span = within.total_seconds()

    def key(e: dict[str, Any]) -> float:
        at = datetime.fromisoformat(e["detail"]["metadata"]["occurredAt"])
        return at.timestamp() + rng.uniform(0, span)

    return sorted(doubled, key=key)
