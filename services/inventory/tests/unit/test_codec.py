"""Stored records: times whose text order is time order, and records that read back equal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from inventory_service.adapters.codec import (
    CorruptRecordError,
    outcome_from_record,
    outcome_to_record,
    stock_from_record,
    stock_to_record,
    utc_text,
)
from inventory_service.adapters.dynamodb import from_attribute, to_attribute
from inventory_service.domain.reservation import Outcome, Rejection, Reservation, Withdrawal
from inventory_service.domain.stock import StockItem
from inventory_service.domain.values import Line, RejectedLine, RejectionReason

NOW = datetime(2026, 11, 20, 9, 14, 3, tzinfo=UTC)


def test_utc_text_has_one_width_so_text_order_is_time_order() -> None:
    times = [
        NOW,
        NOW + timedelta(microseconds=1),
        NOW.astimezone(timezone(timedelta(hours=-5))) + timedelta(seconds=1),
        NOW + timedelta(days=400),
    ]
    texts = [utc_text(t) for t in times]
    assert texts[0] == "2026-11-20T09:14:03.000000+00:00"
    assert texts[2] == "2026-11-20T09:14:04.000000+00:00"
    assert {len(t) for t in texts} == {32}
    assert sorted(texts) == texts


def test_utc_text_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="no timezone"):
        utc_text(datetime(2026, 11, 20, 9, 0))  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    "outcome",
    [
        Reservation("ord_01JD7Q4K2M9A", "res_01JD7Q4K2M9A", (Line("MUG-BLUE-350", 2),), NOW),
        Rejection(
            "ord_01JD7Q4K2M9A",
            (RejectedLine("MUG-BLUE-350", 20, 10, RejectionReason.INSUFFICIENT_STOCK),),
        ),
        Withdrawal("ord_01JD7Q4K2M9A", "res_01JD7Q4K2M9A", (Line("MUG-BLUE-350", 2),)),
    ],
)
def test_outcomes_read_back_equal_through_records_and_attributes(outcome: Outcome) -> None:
    record = outcome_to_record(outcome)
    attributes = {name: to_attribute(value) for name, value in record.items()}
    back = {name: from_attribute(value) for name, value in attributes.items()}
    assert outcome_from_record(back, 0) == outcome


def test_stock_reads_back_with_the_version_given() -> None:
    item = StockItem("MUG-BLUE-350", 10, 2, 3, "DUB-1", version=4)
    assert stock_from_record(stock_to_record(item), 4) == item


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"kind": "REFUND", "order_id": "ord_01JD7Q4K2M9A"}, "kind"),
        ({"kind": "REJECTION", "order_id": 7, "rejected_lines": []}, "order_id"),
        ({"kind": "REJECTION", "order_id": "ord_01JD7Q4K2M9A", "rejected_lines": "x"}, "lines"),
    ],
)
def test_a_record_of_another_shape_is_corrupt(record: dict[str, object], message: str) -> None:
    with pytest.raises(CorruptRecordError, match=message):
        outcome_from_record(record, 1)


def test_an_attribute_type_never_written_is_corrupt() -> None:
    with pytest.raises(CorruptRecordError):
        from_attribute({"BOOL": True})
