"""The order service's ports: what the use cases need from the outside world.

A unit of work is one atomic change: the order, the idempotency key that created it and the
outgoing events are written together or not at all (the outbox), so an accepted order is never
without its OrderPlaced and an event is never published for an order that was not stored.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from order_service.domain.order import Order


class ConcurrentChange(Exception):  # noqa: N818 - the name says what happened
    """Someone else changed the order (or took the idempotency key) since it was read."""


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    fingerprint: str  # a digest of the request body the key was first used with
    order_id: str


@dataclass(frozen=True)
class OutboxMessage:
    """An event to publish once the unit of work commits: the contract reference
    (``Name@N``), its data as the contract's JSON, and the metadata the producer sets."""

    event_id: str
    ref: str
    data: dict[str, Any]
    correlation_id: str
    causation_id: str
    occurred_at: datetime


@dataclass(frozen=True)
class Page:
    orders: list[Order]
    next_token: str | None


class OrderRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, order_id: str) -> Order | None: ...

    @abc.abstractmethod
    def add(self, order: Order) -> None:
        """A new order; ``ConcurrentChange`` if its id exists."""

    @abc.abstractmethod
    def save(self, order: Order) -> None:
        """A changed order; ``ConcurrentChange`` unless the stored version is ``order.version``
        (which then goes up by one)."""

    @abc.abstractmethod
    def by_customer(self, customer_id: str, *, limit: int, token: str | None) -> Page:
        """The customer's orders, newest first, ``limit`` at a time; ``ValueError`` for a
        ``token`` that is not a ``next_token`` this store gave."""


class StagedOrders(OrderRepository):
    """Orders written at commit: ``add`` and ``save`` stage them, with the version each was read
    at (``None`` for a new one), for the unit of work to write; ``get`` sees what is staged."""

    def __init__(self) -> None:
        self.staged: dict[str, tuple[Order, int | None]] = {}  # id -> (order, version read)

    @abc.abstractmethod
    def _load(self, order_id: str) -> Order | None:
        """The stored order, as committed."""

    def get(self, order_id: str) -> Order | None:
        if order_id in self.staged:
            return self.staged[order_id][0]
        return self._load(order_id)

    def add(self, order: Order) -> None:
        if self.get(order.order_id) is not None:
            raise ConcurrentChange(order.order_id)
        self.staged[order.order_id] = (order, None)

    def save(self, order: Order) -> None:
        expected = self.staged.get(order.order_id, (order, order.version))[1]
        self.staged[order.order_id] = (order, expected)


class IdempotencyKeys(abc.ABC):
    @abc.abstractmethod
    def get(self, key: str) -> IdempotencyRecord | None: ...

    @abc.abstractmethod
    def add(self, record: IdempotencyRecord) -> None:
        """``ConcurrentChange`` if the key is taken."""


# A published outbox message is kept this long (to trace what left and when), then deleted:
# by DynamoDB's time to live in AWS, by ``mark_published`` in the SQLite adapter.
OUTBOX_RETENTION = timedelta(days=7)


class Outbox(abc.ABC):
    @abc.abstractmethod
    def add(self, message: OutboxMessage) -> None: ...


class UnitOfWork(abc.ABC):
    """``with uow: ...; uow.commit()``: leaving the block without ``commit`` rolls back."""

    orders: OrderRepository
    keys: IdempotencyKeys
    outbox: Outbox

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None:
        """Forget what was not committed (harmless after a commit)."""


class Catalog(abc.ABC):
    """The SKUs the shop sells."""

    @abc.abstractmethod
    def known(self, sku: str) -> bool: ...


class Clock(abc.ABC):
    @abc.abstractmethod
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


class Ids(abc.ABC):
    @abc.abstractmethod
    def order_id(self) -> str:
        """A new ``ord_...`` id."""

    @abc.abstractmethod
    def event_id(self) -> str:
        """A new UUID for an event's metadata."""
