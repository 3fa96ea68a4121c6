"""Ports of the inventory service: the unit of work over its storage, and a clock.

Optimistic concurrency, the same in every adapter. Every stock item and reservation outcome
carries the ``version`` it was read at (0: absent). A unit of work remembers the version of each
stock item it read, stages changes, and ``commit`` applies all of them or none, and only if
storage still holds every version read (stock items and outcomes it writes; stock items it only
read too). Otherwise it raises ``ConcurrencyConflictError`` and writes nothing; the use case then
runs again on fresh state (``service_layer.retry``). Written items are stored at ``version + 1``.

- SQLite: one ``BEGIN IMMEDIATE`` transaction; ``UPDATE stock ... SET version = version + 1
  WHERE sku = ? AND version = ?`` (rowcount must be 1), ``INSERT`` for version 0 (a primary key
  clash is a conflict), read-only checks as ``SELECT version``; any mismatch rolls back.
- DynamoDB: one ``TransactWriteItems``: a ``Put``/``Update`` per written item with
  ``ConditionExpression`` ``#v = :read`` (``attribute_not_exists(pk)`` for version 0), a
  ``ConditionCheck`` per item only read; ``TransactionCanceledException`` with a
  ``ConditionalCheckFailed`` reason is the conflict. Outcomes are keyed by order id, so a
  duplicate ReserveInventory loses the ``attribute_not_exists`` race and, on retry, finds the
  recorded outcome.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self

from inventory_service.domain.reservation import Outcome, Reservation
from inventory_service.domain.stock import StockItem


class ConcurrencyConflictError(Exception):
    """Storage changed since it was read; nothing was written. Run the use case again."""


@dataclass(frozen=True)
class Changes:
    """What a commit must apply atomically, and the versions it must still find."""

    read_versions: Mapping[str, int]  # sku -> version read (0: was absent)
    stock: tuple[StockItem, ...]
    outcomes: tuple[Outcome, ...]


class Clock(ABC):
    @abstractmethod
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


class UnitOfWork(ABC):
    """One atomic change to inventory storage. Use as ``with uow: ...; uow.commit()``.

    Leaving the block without ``commit`` discards staged changes. Re-entering starts afresh,
    so one instance serves every retry of a use case (one instance per thread).
    """

    def __init__(self) -> None:
        self._read_versions: dict[str, int] = {}
        self._stock: dict[str, StockItem] = {}
        self._outcomes: dict[str, Outcome] = {}

    def __enter__(self) -> Self:
        self.rollback()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def get_stock(self, sku: str) -> StockItem | None:
        if sku in self._stock:
            return self._stock[sku]
        item = self._load_stock(sku)
        self._read_versions.setdefault(sku, item.version if item else 0)
        return item

    def get_outcome(self, order_id: str) -> Outcome | None:
        if order_id in self._outcomes:
            return self._outcomes[order_id]
        return self._load_outcome(order_id)

    def save_stock(self, item: StockItem) -> None:
        self._stock[item.sku] = item

    def save_outcome(self, outcome: Outcome) -> None:
        self._outcomes[outcome.order_id] = outcome

    def commit(self) -> None:
        """Apply staged changes atomically or raise ``ConcurrencyConflictError``."""
        changes = Changes(
            read_versions=dict(self._read_versions),
            stock=tuple(self._stock.values()),
            outcomes=tuple(self._outcomes.values()),
        )
        self.rollback()
        if changes.stock or changes.outcomes:
            self._apply(changes)

    def rollback(self) -> None:
        self._read_versions.clear()
        self._stock.clear()
        self._outcomes.clear()

    @abstractmethod
    def due_reservations(self, now: datetime, limit: int) -> list[Reservation]:
        """Active reservations with ``expires_at <= now``, oldest first, at most ``limit``."""

    @abstractmethod
    def _load_stock(self, sku: str) -> StockItem | None: ...

    @abstractmethod
    def _load_outcome(self, order_id: str) -> Outcome | None: ...

    @abstractmethod
    def _apply(self, changes: Changes) -> None:
        """Write ``changes`` all or nothing, checking every version (see the module docstring)."""
