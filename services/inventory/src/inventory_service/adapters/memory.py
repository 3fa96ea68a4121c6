"""In-memory fakes of the ports, with the same atomicity and version checks as real storage.

``InMemoryStore`` is shared state (one per "database"); give each thread its own
``InMemoryUnitOfWork`` over it, as each Lambda invocation has its own connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from inventory_service.adapters.ports import Changes, Clock, ConcurrencyConflictError, UnitOfWork
from inventory_service.domain.reservation import Outcome, Reservation
from inventory_service.domain.stock import StockItem


@dataclass
class InMemoryStore:
    stock: dict[str, StockItem] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    commits: int = 0
    conflicts: int = 0


def _version(item: StockItem | Outcome | None) -> int:
    return item.version if item is not None else 0


class InMemoryUnitOfWork(UnitOfWork):
    """``before_commit`` (tests only) runs just before a commit takes the store's lock."""

    def __init__(
        self, store: InMemoryStore, before_commit: Callable[[], None] | None = None
    ) -> None:
        super().__init__()
        self.store = store
        self._before_commit = before_commit

    def due_reservations(self, now: datetime, limit: int) -> list[Reservation]:
        with self.store.lock:
            due = [
                o
                for o in self.store.outcomes.values()
                if isinstance(o, Reservation) and o.is_due(now)
            ]
        return sorted(due, key=lambda r: r.expires_at)[:limit]

    def _load_stock(self, sku: str) -> StockItem | None:
        with self.store.lock:
            return self.store.stock.get(sku)

    def _load_outcome(self, order_id: str) -> Outcome | None:
        with self.store.lock:
            return self.store.outcomes.get(order_id)

    def _apply(self, changes: Changes) -> None:
        if self._before_commit is not None:
            self._before_commit()
        with self.store.lock:
            stale = self._stale(changes)
            if stale:
                self.store.conflicts += 1
                raise ConcurrencyConflictError(f"changed since read: {', '.join(stale)}")
            for item in changes.stock:
                self.store.stock[item.sku] = replace(item, version=item.version + 1)
            for outcome in changes.outcomes:
                self.store.outcomes[outcome.order_id] = replace(
                    outcome, version=outcome.version + 1
                )
            self.store.commits += 1

    def _stale(self, changes: Changes) -> list[str]:
        store = self.store
        expected = dict(changes.read_versions)
        expected.update({item.sku: item.version for item in changes.stock})
        stale = [sku for sku, v in expected.items() if _version(store.stock.get(sku)) != v]
        stale += [
            o.order_id
            for o in changes.outcomes
            if _version(store.outcomes.get(o.order_id)) != o.version
        ]
        return stale


class FakeClock(Clock):
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta
