"""Commands validate themselves; errors name the offending contract field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from inventory_service.domain.catalog import CatalogEntry, validate_catalog
from inventory_service.domain.commands import AdjustStock, ReleaseStock, ReserveStock
from inventory_service.domain.errors import InvalidValueError
from inventory_service.domain.values import Line, ReleaseReason, reservation_id_for

ORDER = "ord_01JD7Q4K2M9T"


@pytest.mark.parametrize(
    ("order_id", "lines", "ttl", "field"),
    [
        ("order-1", (Line("MUG-BLUE-350", 1),), None, "orderId"),
        (ORDER, (), None, "lines"),
        (ORDER, (Line("MUG-BLUE-350", 1), Line("", 1)), None, "lines[1].sku"),
        (ORDER, (Line("MUG-BLUE-350", 1),), 59, "reservationTtlSeconds"),
        (ORDER, (Line("MUG-BLUE-350", 1),), 86_401, "reservationTtlSeconds"),
    ],
)
def test_reserve_command_names_the_bad_field(
    order_id: str, lines: tuple[Line, ...], ttl: int | None, field: str
) -> None:
    with pytest.raises(InvalidValueError) as raised:
        ReserveStock(order_id, lines, ttl)
    assert raised.value.field == field


def test_reservation_ttl_comes_from_the_command_or_defaults_to_15_minutes() -> None:
    lines = (Line("MUG-BLUE-350", 1),)
    assert ReserveStock(ORDER, lines, 300).ttl == timedelta(seconds=300)
    assert ReserveStock(ORDER, lines).ttl == timedelta(minutes=15)


def test_the_saga_cannot_ask_for_an_expiry() -> None:
    with pytest.raises(InvalidValueError) as raised:
        ReleaseStock(ORDER, "res_01JD7Q4K2M9T", ReleaseReason.RESERVATION_EXPIRED)
    assert raised.value.field == "reason"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({}, "delta"), ({"delta": 1, "set_to": 2}, "delta"), ({"set_to": -1}, "setTo")],
)
def test_adjust_takes_exactly_one_valid_change(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(InvalidValueError) as raised:
        AdjustStock("MUG-BLUE-350", **kwargs)
    assert raised.value.field == field


def test_reservation_id_is_derived_from_the_order_id() -> None:
    assert reservation_id_for(ORDER) == "res_01JD7Q4K2M9T"


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (CatalogEntry("mug", 1, 0, "DUB-1"), "items[1].sku"),
        (CatalogEntry("TEA-EARLGREY-100G", -1, 0, "DUB-1"), "items[1].onHand"),
        (CatalogEntry("TEA-EARLGREY-100G", 1, -2, "DUB-1"), "items[1].threshold"),
        (CatalogEntry("TEA-EARLGREY-100G", 1, 0, ""), "items[1].warehouse"),
        (CatalogEntry("MUG-BLUE-350", 1, 0, "DUB-1"), "items[1].sku"),
    ],
)
def test_catalog_errors_name_the_entry_and_field(entry: CatalogEntry, field: str) -> None:
    good = CatalogEntry("MUG-BLUE-350", 3, 1, "DUB-1")
    with pytest.raises(InvalidValueError) as raised:
        validate_catalog([good, entry])
    assert raised.value.field == field
