"""Stock items and outcomes as plain records (str, int, lists and maps), for storage adapters.

SQLite stores an outcome's record as JSON; DynamoDB stores records as item attributes. Versions
are not part of a record: each adapter keeps them beside it. Times are stored as
``utc_text``, a fixed-width UTC ISO-8601 string, so text order is time order (the expiry
indexes rely on it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TypeAlias

from inventory_service.domain.reservation import (
    Outcome,
    Rejection,
    Reservation,
    ReservationStatus,
    Withdrawal,
)
from inventory_service.domain.stock import StockItem
from inventory_service.domain.values import Line, RejectedLine, RejectionReason, ReleaseReason

Json: TypeAlias = "str | int | list[Json] | dict[str, Json]"
Record: TypeAlias = "dict[str, Json]"

RESERVATION = "RESERVATION"
REJECTION = "REJECTION"
WITHDRAWAL = "WITHDRAWAL"


class CorruptRecordError(ValueError):
    """A stored record does not have the shape this module writes."""


def utc_text(moment: datetime) -> str:
    """``moment`` in UTC as ``2026-11-20T09:14:03.000000+00:00`` (always that width)."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no timezone; storage times are timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def stock_to_record(item: StockItem) -> Record:
    return {
        "sku": item.sku,
        "on_hand": item.on_hand,
        "reserved": item.reserved,
        "threshold": item.threshold,
        "warehouse": item.warehouse,
    }


def stock_from_record(record: Mapping[str, object], version: int) -> StockItem:
    return StockItem(
        sku=_text(record, "sku"),
        on_hand=_int(record, "on_hand"),
        reserved=_int(record, "reserved"),
        threshold=_int(record, "threshold"),
        warehouse=_text(record, "warehouse"),
        version=version,
    )


def outcome_to_record(outcome: Outcome) -> Record:
    if isinstance(outcome, Withdrawal):
        return {
            "kind": WITHDRAWAL,
            "order_id": outcome.order_id,
            "reservation_id": outcome.reservation_id,
            "lines": _line_records(outcome.lines),
        }
    if isinstance(outcome, Rejection):
        return {
            "kind": REJECTION,
            "order_id": outcome.order_id,
            "rejected_lines": [
                {
                    "sku": r.sku,
                    "requested": r.requested,
                    "available": r.available,
                    "reason": r.reason.value,
                }
                for r in outcome.rejected_lines
            ],
        }
    record: Record = {
        "kind": RESERVATION,
        "order_id": outcome.order_id,
        "reservation_id": outcome.reservation_id,
        "lines": _line_records(outcome.lines),
        "expires_at": utc_text(outcome.expires_at),
        "status": outcome.status.value,
    }
    if outcome.end_reason is not None:
        record["end_reason"] = outcome.end_reason.value
    return record


def outcome_from_record(record: Mapping[str, object], version: int) -> Outcome:
    kind = _text(record, "kind")
    if kind == REJECTION:
        return Rejection(
            order_id=_text(record, "order_id"),
            rejected_lines=tuple(_rejected_line(r) for r in _records(record, "rejected_lines")),
            version=version,
        )
    if kind == WITHDRAWAL:
        return Withdrawal(
            order_id=_text(record, "order_id"),
            reservation_id=_text(record, "reservation_id"),
            lines=_lines(record),
            version=version,
        )
    if kind != RESERVATION:
        raise CorruptRecordError(
            f"kind: {kind!r} is not {RESERVATION}, {REJECTION} or {WITHDRAWAL}"
        )
    end_reason = record.get("end_reason")
    return Reservation(
        order_id=_text(record, "order_id"),
        reservation_id=_text(record, "reservation_id"),
        lines=_lines(record),
        expires_at=datetime.fromisoformat(_text(record, "expires_at")),
        status=ReservationStatus(_text(record, "status")),
        end_reason=ReleaseReason(_text(record, "end_reason")) if end_reason is not None else None,
        version=version,
    )


def _line_records(lines: tuple[Line, ...]) -> list[Json]:
    return [{"sku": line.sku, "quantity": line.quantity} for line in lines]


def _lines(record: Mapping[str, object]) -> tuple[Line, ...]:
    return tuple(Line(_text(x, "sku"), _int(x, "quantity")) for x in _records(record, "lines"))


def _rejected_line(record: Mapping[str, object]) -> RejectedLine:
    return RejectedLine(
        sku=_text(record, "sku"),
        requested=_int(record, "requested"),
        available=_int(record, "available"),
        reason=RejectionReason(_text(record, "reason")),
    )


def _text(record: Mapping[str, object], key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise CorruptRecordError(f"{key}: expected text, got {value!r}")
    return value


def _int(record: Mapping[str, object], key: str) -> int:
    value = record.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise CorruptRecordError(f"{key}: expected an integer, got {value!r}")
    return value


def _records(record: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    value = record.get(key)
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise CorruptRecordError(f"{key}: expected a list of maps, got {value!r}")
    return value
