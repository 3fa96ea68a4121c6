"""The Publisher: build the envelope, validate, batch, send, retry; never drop silently.

A service publishes the *data* of a contract (an instance of a generated data model); the
publisher knows from the generated index which event and version that is, builds
``detail = {metadata, data}``, validates it against the contract, packs PutEvents requests of at
most 10 entries and 256 KB, retries failed entries with exponential backoff and full jitter, and
raises ``PublishError`` listing whatever still failed.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel

from ordermesh_contracts.bus import (
    MAX_ENTRIES_PER_CALL,
    MAX_REQUEST_BYTES,
    RETRYABLE_ENTRY_ERRORS,
    EntryResult,
    EventBusPort,
    PutEventsEntry,
    TransientBusError,
)
from ordermesh_contracts.contract_models import ContractModels
from ordermesh_contracts.validation import ContractValidator, default_validator


@dataclass(frozen=True)
class Outgoing:
    """One event to publish: the contract data and the metadata the producer knows."""

    data: BaseModel
    correlation_id: str
    causation_id: str
    task_token: str | None = None
    resources: tuple[str, ...] = ()
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class Published:
    event_id: str  # metadata.eventId
    bus_event_id: str  # the id EventBridge assigned
    ref: str  # Name@N


@dataclass(frozen=True)
class Failed:
    event_id: str
    ref: str
    error_code: str
    error_message: str


class PublishError(Exception):
    """Some events could not be published; ``failed`` says which and why, ``published`` the rest."""

    def __init__(self, failed: list[Failed], published: list[Published]) -> None:
        self.failed = failed
        self.published = published
        lines = [f"{f.ref} {f.event_id}: {f.error_code} {f.error_message}" for f in failed]
        super().__init__(f"{len(failed)} event(s) not published: " + "; ".join(lines))


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.05
    max_delay: float = 2.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter exponential backoff before retry number ``attempt`` (1-based)."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


@dataclass
class _Pending:
    outgoing: Outgoing
    ref: str
    entry: PutEventsEntry
    result: EntryResult | None = None


class Publisher:
    def __init__(  # noqa: PLR0913 - keyword-only wiring, set once in a composition root
        self,
        *,
        source: str,
        event_bus_name: str,
        bus: EventBusPort,
        models: Mapping[type[BaseModel], ContractModels] | None = None,
        validator: ContractValidator | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.source = source
        self.event_bus_name = event_bus_name
        self._bus = bus
        self._validator = validator or default_validator()
        self._models = (
            dict(models) if models is not None else _models_by_data_class(self._validator)
        )
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography

    def publish(self, *events: Outgoing) -> list[Published]:
        """Publish all events or raise: invalid events raise before anything is sent."""
        pending = [self._prepare(e) for e in events]
        for batch in _batches(pending):
            self._send(batch)
        failed = [
            Failed(
                p.outgoing.event_id, p.ref, p.result.error_code or "", p.result.error_message or ""
            )
            for p in pending
            if p.result is not None and not p.result.ok
        ]
        published = [
            Published(p.outgoing.event_id, p.result.event_id or "", p.ref)
            for p in pending
            if p.result is not None and p.result.ok
        ]
        if failed:
            raise PublishError(failed, published)
        return published

    def _prepare(self, outgoing: Outgoing) -> _Pending:
        models = self._models.get(type(outgoing.data))
        if models is None:
            raise TypeError(f"{type(outgoing.data).__qualname__} is not the data of any contract")
        if models.source != self.source:
            raise ValueError(
                f"a publisher for {self.source} cannot publish {models.source}/{models.ref}"
            )
        detail = {
            "metadata": self._metadata(outgoing, models.version),
            "data": _dump(outgoing.data),
        }
        self._validator.validate_detail(models.source, models.detail_type, detail)
        entry = PutEventsEntry(
            source=self.source,
            detail_type=models.detail_type,
            detail=json.dumps(detail, separators=(",", ":"), ensure_ascii=False),
            event_bus_name=self.event_bus_name,
            resources=outgoing.resources,
        )
        if entry.size() > MAX_REQUEST_BYTES:
            raise ValueError(
                f"{models.ref} {outgoing.event_id}: {entry.size()} bytes, over EventBridge's 256 KB"
            )
        return _Pending(outgoing, models.ref, entry)

    @staticmethod
    def _metadata(outgoing: Outgoing, version: int) -> dict[str, object]:
        occurred = outgoing.occurred_at or datetime.now(UTC)
        metadata: dict[str, object] = {
            "eventId": outgoing.event_id,
            "eventVersion": version,
            "correlationId": outgoing.correlation_id,
            "causationId": outgoing.causation_id,
            "occurredAt": occurred.isoformat().replace("+00:00", "Z"),
        }
        if outgoing.task_token is not None:
            metadata["taskToken"] = outgoing.task_token
        return metadata

    def _send(self, batch: list[_Pending]) -> None:
        todo = batch
        for attempt in range(1, self._retry.max_attempts + 1):
            if attempt > 1:
                self._sleep(self._retry.delay(attempt - 1, self._rng))
            try:
                results = self._bus.put_events([p.entry for p in todo])
            except TransientBusError as exc:
                for p in todo:
                    p.result = EntryResult(error_code="TransientBusError", error_message=str(exc))
                continue
            for p, result in zip(todo, results, strict=True):
                p.result = result
            todo = [p for p in todo if p.result and p.result.error_code in RETRYABLE_ENTRY_ERRORS]
            if not todo:
                return


def _dump(data: BaseModel) -> object:
    return data.model_dump(mode="json", by_alias=True, exclude_none=True)


def _batches(pending: Sequence[_Pending]) -> Iterator[list[_Pending]]:
    batch: list[_Pending] = []
    size = 0
    for p in pending:
        entry_size = p.entry.size()
        if batch and (len(batch) == MAX_ENTRIES_PER_CALL or size + entry_size > MAX_REQUEST_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(p)
        size += entry_size
    if batch:
        yield batch


def _models_by_data_class(validator: ContractValidator) -> dict[type[BaseModel], ContractModels]:
    return {m.data: m for m in validator.models.values()}
