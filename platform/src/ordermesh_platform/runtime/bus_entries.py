"""PutEvents entries: their limits, what an entry becomes (the event, or the entry error
EventBridge reports), and the results PutEvents returns."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordermesh_contracts.validation import ContractValidator

from ordermesh_platform.runtime.event_json import dumps, parse_detail
from ordermesh_platform.runtime.shapes import eventbridge_event
from ordermesh_platform.shared.aws import new_id

MAX_ENTRIES = 10
MAX_REQUEST_BYTES = 256 * 1024
TIME_BYTES = 14


@dataclass(frozen=True)
class EntryOutcome:
    event_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    def to_aws(self) -> dict[str, str]:
        if self.event_id is not None:
            return {"EventId": self.event_id}
        return {"ErrorCode": self.error_code or "", "ErrorMessage": self.error_message or ""}


@dataclass(frozen=True)
class PutEventsResult:
    entries: tuple[EntryOutcome, ...]

    @property
    def failed_entry_count(self) -> int:
        return sum(1 for e in self.entries if e.event_id is None)

    def to_aws(self) -> dict[str, Any]:
        return {
            "FailedEntryCount": self.failed_entry_count,
            "Entries": [e.to_aws() for e in self.entries],
        }


def entry_from_event(event: Mapping[str, Any], bus: str = "ordermesh") -> dict[str, Any]:
    """The PutEvents entry that puts ``event`` (an EventBridge event, e.g. a contract example)."""
    return {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(event.get("detail", {})),
        "Resources": list(event.get("resources", [])),
        "EventBusName": bus,
    }


def entry_size(entry: Mapping[str, Any]) -> int:
    """An entry's size as EventBridge counts it against the 256 KB limit."""
    size = TIME_BYTES if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        value = entry.get(key)
        if isinstance(value, str):
            size += _utf8_length(value)
    resources = entry.get("Resources") or []
    return size + sum(_utf8_length(r) for r in resources if isinstance(r, str))


def _utf8_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode())


def admit(  # noqa: C901, PLR0911 - one branch per entry error EventBridge reports
    entry: Mapping[str, Any],
    now: float,
    *,
    bus_names: tuple[str, str],
    validator: ContractValidator | None,
    contract_sources: frozenset[str] | None,
) -> tuple[dict[str, Any], str] | EntryOutcome:
    """The event an entry becomes, with its JSON text, or the entry error EventBridge would
    report."""
    bus = entry.get("EventBusName") or "default"
    if bus not in bus_names:
        return EntryOutcome(None, "ResourceNotFoundException", f"Event bus {bus} does not exist.")
    for key in ("Source", "DetailType", "Detail"):
        value = entry.get(key)
        if not isinstance(value, str) or not value:
            return EntryOutcome(
                None,
                "InvalidArgument",
                f"Parameter {key} is not valid. Reason: {key} is a required argument.",
            )
    source, detail_type = str(entry["Source"]), str(entry["DetailType"])
    if source.startswith("aws."):
        return EntryOutcome(
            None, "NotAuthorizedForSourceException", "Not authorized for the source."
        )
    try:
        detail, whole = parse_detail(entry["Detail"])
    except ValueError:
        return EntryOutcome(None, "MalformedDetail", "Detail is malformed.")
    if not isinstance(detail, dict):
        return EntryOutcome(None, "MalformedDetail", "Detail is malformed.")
    resources = entry.get("Resources") or []
    if not isinstance(resources, list) or not all(isinstance(r, str) for r in resources):
        return EntryOutcome(None, "InvalidArgument", "Parameter Resources is not valid.")
    time = _entry_time(entry.get("Time"), now)
    if time is None:
        return EntryOutcome(None, "InvalidArgument", "Parameter Time is not valid.")
    event = eventbridge_event(
        event_id=new_id(),
        source=source,
        detail_type=detail_type,
        detail=detail,
        time=time,
        resources=resources,
    )
    if validator is not None and contract_sources and source in contract_sources:
        violations = validator.violations(event)
        if violations:
            first = violations[0]
            message = "; ".join(f"{v.event} {v.pointer or '/'}: {v.reason}" for v in violations[:5])
            return EntryOutcome(
                None, "ContractViolation", f"{first.event} breaks its contract: {message}"
            )
    return event, dumps(event, whole=whole)


def _entry_time(value: Any, now: float) -> float | None:
    if value is None:
        return now
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return None
    return None


def event_epoch(event: Mapping[str, Any], fallback: float) -> float:
    try:
        return datetime.fromisoformat(str(event["time"])).timestamp()
    except ValueError:
        return fallback
