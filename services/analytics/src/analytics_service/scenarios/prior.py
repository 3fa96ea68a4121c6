"""A prior for the anomaly models: a day of the scenario generator's normal traffic, shaped by a
declared traffic profile, through the models' own warm-up.

The model gives no verdict before a day of history. Where a system's normal traffic is known
beforehand (the local runtime's demo declares it in ``catalog/normal-traffic.json`` and places
its orders by it), the models can start from that day, generated, instead of waiting for it:
see decision note 2026-12-05-anomaly-alerts. Without a profile (in AWS) they warm up on the real
stream.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from analytics_service.domain.anomaly import AnomalyDetector

from .generate import Traffic, generate


@dataclass(frozen=True, kw_only=True)
class TrafficProfile:
    """Normal traffic, flat over the day: orders a minute (Poisson), the chance that an order is
    rejected at reservation and that a payment is declined, and one currency's order values
    (log-normal: their mean and log-spread)."""

    orders_per_minute: float
    rejection_rate: float
    decline_rate: float
    currency: str
    mean_order_value: float
    value_sigma: float
    seed: int = 22

    @classmethod
    def read(cls, path: Path) -> TrafficProfile:
        """The profile in a JSON file with these fields in camelCase."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            orders_per_minute=float(data["ordersPerMinute"]),
            rejection_rate=float(data["rejectionRate"]),
            decline_rate=float(data["declineRate"]),
            currency=str(data["currency"]),
            mean_order_value=float(data["meanOrderValue"]),
            value_sigma=float(data["valueSigma"]),
            seed=int(data.get("seed", 22)),
        )

    def traffic(self) -> Traffic:
        """The generator's traffic for this profile: no daily shape, drift, walk or jitter, so
        counts are Poisson and rates binomial, as independent orders make them."""
        return Traffic(
            peak_orders_per_minute=self.orders_per_minute,
            trough=1.0,
            currencies=((self.currency, 1.0, self.mean_order_value),),
            value_sigma=self.value_sigma,
            decline_rate=self.decline_rate,
            rejection_rate=self.rejection_rate,
            customer_cancel_rate=0.0,
            jitter=0.0,
            rate_jitter=0.0,
            drift_per_day=0.0,
            walk=0.0,
        )


def warmed(profile: TrafficProfile, until: datetime) -> AnomalyDetector:
    """A detector whose models warmed up on the profile's day of windows ending at ``until``."""
    day = generate(
        profile.seed, 1, warmup_days=1, traffic=profile.traffic(), start=until - timedelta(days=1)
    )
    detector = AnomalyDetector()
    for window in day.windows:
        detector.observe(window)
    return detector
