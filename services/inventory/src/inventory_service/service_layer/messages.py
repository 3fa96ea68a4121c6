"""Translation between the contracts' data models and the domain's commands and events.

Handlers parse a command into its generated model, call ``*_command`` and the use case, then
publish ``to_contract(event)`` for each event returned (the Publisher adds the metadata).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from ordermesh_contracts.models.inventory import (
    inventory_released_v1 as released_v1,
)
from ordermesh_contracts.models.inventory import (
    inventory_reservation_rejected_v1 as rejected_v1,
)
from ordermesh_contracts.models.inventory import (
    inventory_reserved_v1 as reserved_v1,
)
from ordermesh_contracts.models.inventory import (
    stock_level_low_v1 as low_v1,
)
from ordermesh_contracts.models.saga import release_inventory_v1, reserve_inventory_v1
from pydantic import BaseModel

from inventory_service.domain import events
from inventory_service.domain.commands import ReleaseStock, ReserveStock
from inventory_service.domain.values import Line, RejectedLine, ReleaseReason


def reserve_command(data: reserve_inventory_v1.ReserveInventory) -> ReserveStock:
    return ReserveStock(
        order_id=data.order_id,
        lines=tuple(Line(line.sku, line.quantity) for line in data.lines),
        ttl_seconds=data.reservation_ttl_seconds,
    )


def release_command(data: release_inventory_v1.ReleaseInventory) -> ReleaseStock:
    return ReleaseStock(
        order_id=data.order_id,
        reservation_id=data.reservation_id,
        reason=ReleaseReason(data.reason.value),
        lines=tuple(Line(line.sku, line.quantity) for line in data.lines or ()),
    )


def to_contract(event: events.DomainEvent) -> BaseModel:
    """The contract data model (``detail.data``) of a domain event."""
    if isinstance(event, events.InventoryReserved):
        return reserved_v1.InventoryReserved(
            order_id=event.order_id,
            reservation_id=event.reservation_id,
            lines=[reserved_v1.Quantity(sku=x.sku, quantity=x.quantity) for x in event.lines],
            expires_at=event.expires_at.astimezone(UTC),
        )
    if isinstance(event, events.InventoryReservationRejected):
        return rejected_v1.InventoryReservationRejected(
            order_id=event.order_id,
            reason=rejected_v1.Reason(event.reason.value),
            rejected_lines=[_rejected_line(x) for x in event.rejected_lines],
        )
    if isinstance(event, events.InventoryReleased):
        return released_v1.InventoryReleased(
            order_id=event.order_id,
            reservation_id=event.reservation_id,
            lines=[released_v1.Quantity(sku=x.sku, quantity=x.quantity) for x in event.lines],
            reason=released_v1.Reason(event.reason.value),
        )
    return low_v1.StockLevelLow(
        sku=event.sku,
        available=event.available,
        threshold=event.threshold,
        warehouse=event.warehouse,
    )


def to_contracts(domain_events: Iterable[events.DomainEvent]) -> list[BaseModel]:
    return [to_contract(event) for event in domain_events]


def _rejected_line(line: RejectedLine) -> rejected_v1.RejectedLine:
    return rejected_v1.RejectedLine(
        sku=line.sku,
        requested=line.requested,
        available=line.available,
        reason=rejected_v1.Reason1(line.reason.value),
    )
