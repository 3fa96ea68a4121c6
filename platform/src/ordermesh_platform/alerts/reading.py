"""One alert from an alert topic message: the AnomalyDetected v1 event a bus rule published.

``read_alert`` takes the message text (the EventBridge event's JSON) and returns the alert, or
raises ValueError saying what the message lacks; ``alert_line`` is its one-line summary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

ALERT_TOPIC = "ordermesh-alerts"  # the platform manifest's alert topic
ANOMALY_DETECTED = "AnomalyDetected"


@dataclass(frozen=True)
class Alert:
    anomaly_id: str
    severity: str
    metric: str
    window_start: str
    window_end: str
    observed: float
    expected: float
    deviation: float
    dimensions: dict[str, str]
    time: str  # when the event was put on the bus


def read_alert(message: str) -> Alert:
    """The alert a topic message carries (ValueError when it is not an AnomalyDetected event)."""
    try:
        event = json.loads(message)
    except ValueError as exc:
        raise ValueError(f"the message is not JSON: {exc}") from None
    if not isinstance(event, dict) or event.get("detail-type") != ANOMALY_DETECTED:
        raise ValueError("the message is not an AnomalyDetected event")
    data: Any = event.get("detail", {}).get("data")
    try:
        return Alert(
            anomaly_id=str(data["anomalyId"]),
            severity=str(data["severity"]),
            metric=str(data["metric"]),
            window_start=str(data["window"]["start"]),
            window_end=str(data["window"]["end"]),
            observed=float(data["observed"]),
            expected=float(data["expected"]),
            deviation=float(data["deviation"]),
            dimensions={str(k): str(v) for k, v in data.get("dimensions", {}).items()},
            time=str(event.get("time", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"the AnomalyDetected event lacks {exc}") from None


def alert_line(alert: Alert) -> str:
    """``CRITICAL payment_decline_rate {currency=EUR} 0.41 (expected 0.03, z=+9.2) window ...``"""
    dimensions = ",".join(f"{k}={v}" for k, v in sorted(alert.dimensions.items()))
    where = f" {{{dimensions}}}" if dimensions else ""
    return (
        f"{alert.severity:<8} {alert.metric}{where} {alert.observed:g} "
        f"(expected {alert.expected:g}, z={alert.deviation:+.1f}) "
        f"window {alert.window_start} to {alert.window_end} [{alert.anomaly_id}]"
    )
