"""Use case: publish the recorded anomalies not yet published, as AnomalyDetected v1.

The anomaly records are the outbox: each is published through the Publisher, then marked. A
crash between the two publishes it again with the same event id (derived from the anomaly id),
which consumers deduplicate on; an anomaly found again is never recorded again, so it is never
published twice by scoring the same windows twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from ordermesh_contracts.models.analytics.anomaly_detected_v1 import AnomalyDetected
from ordermesh_contracts.publishing import Outgoing, Publisher

from analytics_service.adapters.ports import KpiStore
from analytics_service.domain.anomaly import Anomaly
from analytics_service.domain.anomaly.metrics import ANOMALY_NAMESPACE

BATCH = 25


def event_id(anomaly: Anomaly) -> str:
    """The AnomalyDetected event's id: the same for every publication of one anomaly."""
    return str(uuid.uuid5(ANOMALY_NAMESPACE, f"AnomalyDetected@1/{anomaly.anomaly_id}"))


def _time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def anomaly_detected(anomaly: Anomaly) -> AnomalyDetected:
    return AnomalyDetected.model_validate(
        {
            "anomalyId": anomaly.anomaly_id,
            "metric": anomaly.metric.value,
            "window": {"start": _time(anomaly.start), "end": _time(anomaly.end)},
            "observed": anomaly.observed,
            "expected": anomaly.expected,
            "deviation": anomaly.deviation,
            "severity": anomaly.severity.value,
            "dimensions": dict(anomaly.dimensions),
        }
    )


def publish_anomalies(store: KpiStore, publisher: Publisher, now: Callable[[], datetime]) -> int:
    """Publish every waiting anomaly, oldest window first; how many. The publisher's error
    leaves the rest waiting for the next invocation."""
    published = 0
    while batch := store.unpublished(BATCH):
        publisher.publish(
            *(
                Outgoing(
                    data=anomaly_detected(a),
                    correlation_id=a.anomaly_id,
                    causation_id=a.anomaly_id,
                    event_id=event_id(a),
                    occurred_at=now(),
                )
                for a in batch
            )
        )
        store.mark_published(batch, now())
        published += len(batch)
        if len(batch) < BATCH:
            break
    return published
