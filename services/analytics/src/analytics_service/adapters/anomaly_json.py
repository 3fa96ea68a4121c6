"""An anomaly as the JSON the stores keep (the names of the AnomalyDetected contract's data)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from analytics_service.domain.anomaly import Anomaly, Metric, Severity


def to_json(anomaly: Anomaly) -> dict[str, Any]:
    return {
        "anomalyId": anomaly.anomaly_id,
        "metric": anomaly.metric.value,
        "window": {"start": anomaly.start.isoformat(), "end": anomaly.end.isoformat()},
        "observed": anomaly.observed,
        "expected": anomaly.expected,
        "deviation": anomaly.deviation,
        "severity": anomaly.severity.value,
        "dimensions": dict(anomaly.dimensions),
    }


def from_json(data: Mapping[str, Any]) -> Anomaly:
    return Anomaly(
        anomaly_id=data["anomalyId"],
        metric=Metric(data["metric"]),
        start=datetime.fromisoformat(data["window"]["start"]),
        end=datetime.fromisoformat(data["window"]["end"]),
        observed=float(data["observed"]),
        expected=float(data["expected"]),
        deviation=float(data["deviation"]),
        severity=Severity(data["severity"]),
        dimensions=dict(data["dimensions"]),
    )
