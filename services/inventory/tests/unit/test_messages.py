"""Domain events map to contract data that passes the contracts' JSON Schemas."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from inventory_service.domain import events
from inventory_service.domain.commands import ReleaseStock, ReserveStock
from inventory_service.domain.values import Line, RejectedLine, RejectionReason, ReleaseReason
from inventory_service.service_layer.messages import release_command, reserve_command, to_contract
from ordermesh_contracts.models.saga import release_inventory_v1, reserve_inventory_v1
from ordermesh_contracts.validation import default_validator

METADATA = {
    "eventId": "9a81d141-953a-4798-8f6d-f02093ff4840",
    "eventVersion": 1,
    "correlationId": "ord_01JD9A7XG3NB",
    "causationId": "5ce36e7c-087c-41cd-ab8b-98eb9e7385c6",
    "occurredAt": "2026-11-21T17:40:11.019Z",
}
LINES = (Line("KETTLE-STEEL-1L", 1),)
EVENTS: list[tuple[str, events.DomainEvent]] = [
    (
        "InventoryReserved",
        events.InventoryReserved(
            "ord_01JD9A7XG3NB", "res_01JD9A7XG3NB", LINES, datetime(2026, 11, 21, 18, tzinfo=UTC)
        ),
    ),
    (
        "InventoryReservationRejected",
        events.InventoryReservationRejected(
            "ord_01JD9A7XG3NB",
            RejectionReason.UNKNOWN_SKU,
            (RejectedLine("CANDLE-SOY-200G", 2, 0, RejectionReason.UNKNOWN_SKU),),
        ),
    ),
    (
        "InventoryReleased",
        events.InventoryReleased(
            "ord_01JD9A7XG3NB", "res_01JD9A7XG3NB", LINES, ReleaseReason.RESERVATION_EXPIRED
        ),
    ),
    ("StockLevelLow", events.StockLevelLow("KETTLE-STEEL-1L", 0, 5, "DUB-1")),
]


@pytest.mark.parametrize(("detail_type", "event"), EVENTS, ids=[name for name, _ in EVENTS])
def test_each_event_maps_to_valid_contract_data(
    detail_type: str, event: events.DomainEvent
) -> None:
    data = to_contract(event).model_dump(mode="json", by_alias=True, exclude_none=True)
    detail = {"metadata": METADATA, "data": data}
    model = default_validator().validate_detail("ordermesh.inventory", detail_type, detail)
    assert model.model_dump(mode="json", by_alias=True, exclude_none=True)["data"] == data


def test_reserved_expiry_is_published_in_utc() -> None:
    data = to_contract(EVENTS[0][1]).model_dump(mode="json", by_alias=True)
    assert data["expiresAt"] == "2026-11-21T18:00:00Z"


def test_commands_map_from_contract_data() -> None:
    reserve = reserve_inventory_v1.ReserveInventory.model_validate(
        {
            "orderId": "ord_01JD7Q4K2M9T",
            "lines": [{"sku": "MUG-BLUE-350", "quantity": 2}],
            "reservationTtlSeconds": 900,
        }
    )
    release = release_inventory_v1.ReleaseInventory.model_validate(
        {
            "orderId": "ord_01JD7Q4K2M9T",
            "reservationId": "res_01JD7Q4K2M9T",
            "reason": "ORDER_CANCELLED",
        }
    )
    assert reserve_command(reserve) == ReserveStock(
        "ord_01JD7Q4K2M9T", (Line("MUG-BLUE-350", 2),), 900
    )
    assert release_command(release) == ReleaseStock(
        "ord_01JD7Q4K2M9T", "res_01JD7Q4K2M9T", ReleaseReason.ORDER_CANCELLED
    )


def test_a_compensation_naming_the_lines_maps_them_to_the_release() -> None:
    release = release_inventory_v1.ReleaseInventory.model_validate(
        {
            "orderId": "ord_01JD7Q4K2M9T",
            "reservationId": "res_01JD7Q4K2M9T",
            "reason": "SAGA_COMPENSATION",
            "lines": [{"sku": "MUG-BLUE-350", "quantity": 2}],
        }
    )
    assert release_command(release).lines == (Line("MUG-BLUE-350", 2),)
