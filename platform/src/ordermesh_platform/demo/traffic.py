"""The demo's normal traffic, as ``catalog/normal-traffic.json`` declares it, placed minute by
minute: each minute a Poisson number of orders, each rejected at reservation (an order for far
more than the stock) or paid by a customer whose card is declined with the declared chances,
and a log-normal order value. The local runtime's anomaly models start from the same profile
(decision note 2026-12-05-anomaly-alerts), so this traffic is what they expect.

A minute's orders are spread over what is left of it, up to 2 seconds before its end, so a
minute the demo starts in late still holds a whole minute's orders, and the sagas of its last
orders end within it.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

NORMAL_TRAFFIC = Path("catalog") / "normal-traffic.json"
MINUTE = timedelta(minutes=1)
MARGIN = timedelta(seconds=2)  # the last order of a minute is placed this long before its end
ADDRESS = {
    "name": "Ada",
    "line1": "1 Main St",
    "city": "Berlin",
    "postalCode": "10115",
    "country": "DE",
}


@dataclass(frozen=True, kw_only=True)
class Profile:
    orders_per_minute: float
    rejection_rate: float
    decline_rate: float
    currency: str
    mean_order_value: float
    value_sigma: float

    @classmethod
    def read(cls, root: Path) -> Profile:
        data = json.loads((root / NORMAL_TRAFFIC).read_text(encoding="utf-8"))
        return cls(
            orders_per_minute=float(data["ordersPerMinute"]),
            rejection_rate=float(data["rejectionRate"]),
            decline_rate=float(data["declineRate"]),
            currency=str(data["currency"]),
            mean_order_value=float(data["meanOrderValue"]),
            value_sigma=float(data["valueSigma"]),
        )

    def scaled(self, *, orders: float = 1.0, value: float = 1.0) -> Profile:
        return replace(
            self,
            orders_per_minute=self.orders_per_minute * orders,
            mean_order_value=self.mean_order_value * value,
        )


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method (the demo's means are small)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def order(profile: Profile, rng: random.Random, number: int) -> dict[str, Any]:
    """One order of ``profile``'s traffic."""
    customer = f"cus_demo{number:06d}"
    if rng.random() < profile.decline_rate:
        customer = f"cus_declinedfunds{number:06d}"
    sigma = profile.value_sigma
    value = rng.lognormvariate(math.log(profile.mean_order_value) - sigma * sigma / 2, sigma)
    sku, quantity = ("BOOK-0001", 1)
    if rng.random() < profile.rejection_rate:
        sku, quantity = ("LIMITED-01", 1000)
    price = f"{max(value / quantity, 0.01):.2f}"
    return {
        "customerId": customer,
        "currency": profile.currency,
        "lines": [
            {
                "sku": sku,
                "quantity": quantity,
                "unitPrice": {"amount": price, "currency": profile.currency},
            }
        ],
        "shippingAddress": ADDRESS,
    }


def minute_plan(
    profile: Profile, rng: random.Random, now: datetime, first: int
) -> list[tuple[datetime, dict[str, Any]]]:
    """The orders of the minute ``now`` is in, each with when to place it (after ``now``)."""
    start = now.replace(second=0, microsecond=0)
    last = start + MINUTE - MARGIN
    span = max((last - now).total_seconds(), 0.0)
    count = poisson(rng, profile.orders_per_minute)
    times = sorted(now + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))
    return [(at, order(profile, rng, first + i)) for i, at in enumerate(times)]


def utc_now() -> datetime:
    return datetime.now(UTC)
