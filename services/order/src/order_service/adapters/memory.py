"""In-memory adapters: the fakes unit tests use. They keep the ports' promises (atomic commit,
version checks, taken keys), so a test against them says something about the real ones."""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from order_service.adapters.ports import (
    Catalog,
    Clock,
    ConcurrentChange,
    IdempotencyKeys,
    IdempotencyRecord,
    Ids,
    Outbox,
    OutboxMessage,
    Page,
    StagedOrders,
    UnitOfWork,
)
from order_service.domain.order import Order


@dataclass
class MemoryDatabase:
    """What the fakes have committed, shared by every unit of work made from it."""

    orders: dict[str, Order] = field(default_factory=dict)
    keys: dict[str, IdempotencyRecord] = field(default_factory=dict)
    outbox: list[OutboxMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Orders(StagedOrders):
    def __init__(self, db: MemoryDatabase) -> None:
        super().__init__()
        self._db = db

    def _load(self, order_id: str) -> Order | None:
        with self._db.lock:
            stored = self._db.orders.get(order_id)
        return stored.copy() if stored is not None else None

    def by_customer(self, customer_id: str, *, limit: int, token: str | None) -> Page:
        with self._db.lock:
            mine = [o for o in self._db.orders.values() if o.customer_id == customer_id]
        mine.sort(key=lambda o: (o.placed_at, o.order_id), reverse=True)
        start = _page_token(token) if token else 0
        page = [o.copy() for o in mine[start : start + limit]]
        more = start + limit < len(mine)
        return Page(page, str(start + limit) if more else None)


def _page_token(token: str) -> int:
    """The offset a page token names (``by_customer`` gives it as decimal digits)."""
    if not token.isascii() or not token.isdigit():
        raise ValueError(f"{token!r} is not a page token")
    return int(token)


class _Keys(IdempotencyKeys):
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.staged: dict[str, IdempotencyRecord] = {}

    def get(self, key: str) -> IdempotencyRecord | None:
        if key in self.staged:
            return self.staged[key]
        with self._db.lock:
            return self._db.keys.get(key)

    def add(self, record: IdempotencyRecord) -> None:
        if self.get(record.key) is not None:
            raise ConcurrentChange(record.key)
        self.staged[record.key] = record


class _Outbox(Outbox):
    def __init__(self) -> None:
        self.staged: list[OutboxMessage] = []

    def add(self, message: OutboxMessage) -> None:
        self.staged.append(message)


class MemoryUnitOfWork(UnitOfWork):
    def __init__(self, db: MemoryDatabase) -> None:
        self.db = db
        self.rollback()

    def commit(self) -> None:
        orders, keys = self.orders.staged, self.keys.staged  # type: ignore[attr-defined]
        with self.db.lock:
            self._check(orders, keys)
            for order_id, (order, expected) in orders.items():
                order.version = 0 if expected is None else expected + 1
                self.db.orders[order_id] = order.copy()
            self.db.keys.update(keys)
            self.db.outbox.extend(self.outbox.staged)  # type: ignore[attr-defined]
        self.rollback()

    def _check(
        self, orders: dict[str, tuple[Order, int | None]], keys: dict[str, IdempotencyRecord]
    ) -> None:
        for order_id, (_, expected) in orders.items():
            stored = self.db.orders.get(order_id)
            if (stored.version if stored is not None else None) != expected:
                raise ConcurrentChange(order_id)
        if any(key in self.db.keys for key in keys):
            raise ConcurrentChange("idempotency key")

    def rollback(self) -> None:
        self.orders = _Orders(self.db)
        self.keys = _Keys(self.db)
        self.outbox = _Outbox()


class SetCatalog(Catalog):
    def __init__(self, skus: set[str]) -> None:
        self.skus = skus

    def known(self, sku: str) -> bool:
        return sku in self.skus


class FixedClock(Clock):
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class CountingIds(Ids):
    """Predictable ids: ``ord_00000001``, ... and UUIDs from a counter."""

    def __init__(self) -> None:
        self._orders = itertools.count(1)
        self._events = itertools.count(1)

    def order_id(self) -> str:
        return f"ord_{next(self._orders):08d}"

    def event_id(self) -> str:
        return str(uuid.UUID(int=next(self._events)))
