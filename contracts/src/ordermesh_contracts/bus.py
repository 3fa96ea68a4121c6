"""The event bus port (PutEvents) and its adapters: boto3 for AWS, in-memory for tests.

Entry size is computed as EventBridge computes it: 14 bytes for ``Time`` when set, plus the UTF-8
bytes of ``Source``, ``DetailType``, ``Detail`` and each of ``Resources``.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_ENTRIES_PER_CALL = 10
MAX_REQUEST_BYTES = 256 * 1024
TIME_BYTES = 14
# Entry error codes worth retrying; any other code is final (bad entry, access denied, ...).
RETRYABLE_ENTRY_ERRORS = frozenset({"InternalFailure", "InternalException", "ThrottlingException"})


@dataclass(frozen=True)
class PutEventsEntry:
    source: str
    detail_type: str
    detail: str  # JSON text
    event_bus_name: str
    resources: tuple[str, ...] = ()
    time: datetime | None = None

    def size(self) -> int:
        """The entry's size as EventBridge counts it against the 256 KB limit."""
        size = TIME_BYTES if self.time is not None else 0
        size += sum(len(s.encode()) for s in (self.source, self.detail_type, self.detail))
        return size + sum(len(r.encode()) for r in self.resources)

    def to_aws(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "Source": self.source,
            "DetailType": self.detail_type,
            "Detail": self.detail,
            "EventBusName": self.event_bus_name,
            "Resources": list(self.resources),
        }
        if self.time is not None:
            entry["Time"] = self.time
        return entry


@dataclass(frozen=True)
class EntryResult:
    """One entry's outcome, in request order: an EventBridge event id, or an error."""

    event_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_code is None


class TransientBusError(Exception):
    """The whole call failed in a way worth retrying (throttled, unavailable, no connection)."""


class EventBusPort(ABC):
    @abstractmethod
    def put_events(self, entries: Sequence[PutEventsEntry]) -> list[EntryResult]:
        """Send one PutEvents request (at most 10 entries, 256 KB); results in request order."""


class Boto3EventBus(EventBusPort):
    """EventBridge through a boto3 ``events`` client."""

    _TRANSIENT_CODES = frozenset(
        {"ThrottlingException", "InternalException", "ServiceUnavailable", "RequestTimeout"}
    )

    def __init__(self, client: Any) -> None:
        self._client = client

    def put_events(self, entries: Sequence[PutEventsEntry]) -> list[EntryResult]:
        from botocore.exceptions import ClientError
        from botocore.exceptions import ConnectionError as BotoConnectionError

        try:
            response = self._client.put_events(Entries=[e.to_aws() for e in entries])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in self._TRANSIENT_CODES:
                raise TransientBusError(str(exc)) from exc
            raise
        except BotoConnectionError as exc:
            raise TransientBusError(str(exc)) from exc
        return [
            EntryResult(r.get("EventId"), r.get("ErrorCode"), r.get("ErrorMessage"))
            for r in response["Entries"]
        ]


@dataclass
class InMemoryEventBus(EventBusPort):
    """Keeps accepted entries; ``fail_next`` scripts entry error codes (None = accept) per call."""

    accepted: list[PutEventsEntry] = field(default_factory=list)
    calls: list[list[PutEventsEntry]] = field(default_factory=list)
    fail_next: list[list[str | None] | Exception] = field(default_factory=list)

    def put_events(self, entries: Sequence[PutEventsEntry]) -> list[EntryResult]:
        if len(entries) > MAX_ENTRIES_PER_CALL:
            raise ValueError(f"{len(entries)} entries in one PutEvents call (at most 10)")
        if sum(e.size() for e in entries) > MAX_REQUEST_BYTES:
            raise ValueError("PutEvents request larger than 256 KB")
        self.calls.append(list(entries))
        script = self.fail_next.pop(0) if self.fail_next else [None] * len(entries)
        if isinstance(script, Exception):
            raise script
        results = []
        for entry, code in zip(entries, script, strict=False):
            if code is None:
                self.accepted.append(entry)
                results.append(EntryResult(event_id=str(uuid.uuid4())))
            else:
                results.append(EntryResult(error_code=code, error_message=f"scripted {code}"))
        return results
