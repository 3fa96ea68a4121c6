"""What finds one order in AWS: a handler puts the order id and the event's correlation,
causation and event ids on its trace segment, so ``annotation.orderId = "..."`` finds every
segment of the order in X-Ray, across services (annotations are indexed; metadata is not), and
gives its log lines the event's correlation id (``correlation_id``, which Logs Insights filters
on). Powertools' ``Tracer`` does nothing with them where tracing is off (tests, the local
runtime)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Annotates(Protocol):
    """What of powertools' ``Tracer`` is used here."""

    def put_annotation(self, key: str, value: str) -> None: ...


class Correlates(Protocol):
    """What of powertools' ``Logger`` is used here."""

    def set_correlation_id(self, value: str | None) -> None: ...


def trace_ids(detail: Any) -> dict[str, str]:
    """``orderId``, ``correlationId``, ``causationId`` and ``eventId`` of an event: a parsed
    contract detail (``metadata`` and ``data`` attributes) or an EventBridge event as JSON."""
    if isinstance(detail, Mapping):
        inner = detail.get("detail", detail)
        metadata, data = inner.get("metadata") or {}, inner.get("data") or {}
        found = {
            "orderId": data.get("orderId"),
            "correlationId": metadata.get("correlationId"),
            "causationId": metadata.get("causationId"),
            "eventId": metadata.get("eventId"),
        }
    else:
        metadata, data = getattr(detail, "metadata", None), getattr(detail, "data", None)
        found = {
            "orderId": getattr(data, "order_id", None),
            "correlationId": getattr(metadata, "correlation_id", None),
            "causationId": getattr(metadata, "causation_id", None),
            "eventId": getattr(metadata, "event_id", None),
        }
    return {key: value for key, value in found.items() if isinstance(value, str) and value}


def annotate(tracer: Annotates, detail: Any) -> None:
    """Put the event's ids on the current segment (a record's subsegment in a batch)."""
    for key, value in trace_ids(detail).items():
        tracer.put_annotation(key, value)


def follow(detail: Any, *, tracer: Annotates, logger: Correlates) -> None:
    """Annotate the current segment with the event's ids and log under its correlation id."""
    annotate(tracer, detail)
    logger.set_correlation_id(trace_ids(detail).get("correlationId"))
