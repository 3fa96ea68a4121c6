"""An event from the analytics stream, read into its contract's generated model, to a ``Fact``.

Every ordermesh event counts in ``events`` by type; the kinds below add their KPIs. OrderPlaced
is published as v1 and v2 side by side: orders are counted (and sagas started) from v2 alone,
so an order counts once. An event of a version not in the generated index counts by type only,
read through its metadata.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any

from ordermesh_contracts.models.index import MODELS
from ordermesh_contracts.models.inventory import (
    inventory_released_v1,
    inventory_reservation_rejected_v1,
    inventory_reserved_v1,
    stock_level_low_v1,
)
from ordermesh_contracts.models.order import (
    order_cancelled_v1,
    order_confirmed_v1,
    order_placed_v2,
)
from ordermesh_contracts.models.payment import (
    payment_authorized_v1,
    payment_declined_v1,
    payment_refunded_v1,
)
from ordermesh_contracts.models.saga import order_saga_failed_v1, order_saga_succeeded_v1
from pydantic import BaseModel, Field, ValidationError

from analytics_service.domain.windows import Fact, SagaMark, facts
from analytics_service.domain.windows.facts import Counts

COMPENSATION = "SAGA_COMPENSATION"


class UnreadableEventError(ValueError):
    """A record that is not an ordermesh event this service can read."""


class _AnyDetail(BaseModel):
    metadata: order_placed_v2.Metadata  # every contract's metadata is common.json's


class _Envelope(BaseModel):
    """Any ordermesh event: its source, its type and its metadata."""

    source: str
    detail_type: Annotated[str, Field(alias="detail-type")]
    detail: _AnyDetail


Rule = Callable[[Any], tuple[Counts, SagaMark | None]]


def _placed(data: order_placed_v2.OrderPlaced) -> tuple[Counts, SagaMark | None]:
    return facts.order_placed(data.total.currency), SagaMark.STARTED


def _confirmed(data: order_confirmed_v1.OrderConfirmed) -> tuple[Counts, SagaMark | None]:
    return facts.order_confirmed(Decimal(data.total.amount), data.total.currency), None


def _cancelled(data: order_cancelled_v1.OrderCancelled) -> tuple[Counts, SagaMark | None]:
    return facts.order_cancelled(data.reason.code.value), None


def _authorized(_: payment_authorized_v1.PaymentAuthorized) -> tuple[Counts, SagaMark | None]:
    return facts.payment_authorized(), None


def _declined(data: payment_declined_v1.PaymentDeclined) -> tuple[Counts, SagaMark | None]:
    return facts.payment_declined(data.decline_code.value), None


def _reserved(_: inventory_reserved_v1.InventoryReserved) -> tuple[Counts, SagaMark | None]:
    return facts.reservation_made(), None


def _rejected(
    data: inventory_reservation_rejected_v1.InventoryReservationRejected,
) -> tuple[Counts, SagaMark | None]:
    return facts.reservation_rejected(data.reason.value), None


def _succeeded(_: order_saga_succeeded_v1.OrderSagaSucceeded) -> tuple[Counts, SagaMark | None]:
    return facts.saga_finished(SagaMark.SUCCEEDED), SagaMark.SUCCEEDED


def _failed(_: order_saga_failed_v1.OrderSagaFailed) -> tuple[Counts, SagaMark | None]:
    return facts.saga_finished(SagaMark.FAILED), SagaMark.FAILED


def _released(data: inventory_released_v1.InventoryReleased) -> tuple[Counts, SagaMark | None]:
    compensated = data.reason.value == COMPENSATION
    return (facts.compensation("ReleaseInventory") if compensated else ()), None


def _refunded(data: payment_refunded_v1.PaymentRefunded) -> tuple[Counts, SagaMark | None]:
    compensated = data.reason.value == COMPENSATION
    return (facts.compensation("RefundPayment") if compensated else ()), None


def _stock_low(data: stock_level_low_v1.StockLevelLow) -> tuple[Counts, SagaMark | None]:
    return facts.stock_low(data.warehouse), None


RULES: Mapping[tuple[str, int], Rule] = {
    ("OrderPlaced", 2): _placed,
    ("OrderConfirmed", 1): _confirmed,
    ("OrderCancelled", 1): _cancelled,
    ("PaymentAuthorized", 1): _authorized,
    ("PaymentDeclined", 1): _declined,
    ("InventoryReserved", 1): _reserved,
    ("InventoryReservationRejected", 1): _rejected,
    ("OrderSagaSucceeded", 1): _succeeded,
    ("OrderSagaFailed", 1): _failed,
    ("InventoryReleased", 1): _released,
    ("PaymentRefunded", 1): _refunded,
    ("StockLevelLow", 1): _stock_low,
}


def read(data: bytes | str | Mapping[str, Any]) -> Fact:
    """The fact of one event (its JSON, or the parsed object); ``UnreadableEventError`` if it is
    not an ordermesh event."""
    try:
        event = json.loads(data) if isinstance(data, bytes | str) else data
        envelope = _Envelope.model_validate(event)
        metadata = envelope.detail.metadata
        version = metadata.event_version
        rule = RULES.get((envelope.detail_type, version))
        counts: Counts = ()
        saga = None
        models = MODELS.get((envelope.source, envelope.detail_type, version))
        if rule is not None and models is not None:
            detail = models.detail.model_validate(event["detail"])
            counts, saga = rule(detail.data)  # type: ignore[attr-defined]
    except (ValueError, ValidationError, TypeError, KeyError) as exc:
        raise UnreadableEventError(str(exc)) from exc
    return Fact(
        metadata.event_id,
        f"{envelope.detail_type}@{version}",
        metadata.occurred_at,
        metadata.correlation_id,
        counts,
        saga,
    )
