"""In-memory implementations of the ports, for unit tests and quick local runs."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from payment_service.adapters.fake_provider import FakeProvider
from payment_service.adapters.ports import BreakerStateStore, Clock, PaymentRepository, Versioned
from payment_service.domain.breaker import CLOSED, BreakerState
from payment_service.domain.errors import PaymentConflictError
from payment_service.domain.model import Payment

__all__ = [
    "FakeClock",
    "FakeProvider",
    "FakeSleep",
    "InMemoryBreakerStateStore",
    "InMemoryPaymentRepository",
    "ScriptedRandom",
]


class InMemoryPaymentRepository(PaymentRepository):
    """Keeps copies, so a change is only stored by ``add`` or ``update``, as with a real table."""

    def __init__(self) -> None:
        self._payments: dict[str, Payment] = {}
        self.writes = 0

    def get(self, order_id: str) -> Payment | None:
        stored = self._payments.get(order_id)
        return copy.deepcopy(stored) if stored is not None else None

    def add(self, payment: Payment) -> None:
        if payment.order_id in self._payments:
            raise PaymentConflictError(f"order {payment.order_id} already has a payment")
        self._store(payment, version=1)

    def update(self, payment: Payment) -> None:
        stored = self._payments.get(payment.order_id)
        if stored is None or stored.version != payment.version:
            raise PaymentConflictError(f"payment of order {payment.order_id} changed since read")
        self._store(payment, version=payment.version + 1)

    def _store(self, payment: Payment, version: int) -> None:
        payment.version = version
        self._payments[payment.order_id] = copy.deepcopy(payment)
        self.writes += 1


class InMemoryBreakerStateStore(BreakerStateStore):
    """Compare-and-set on a version, like the DynamoDB conditional put or the SQLite row."""

    def __init__(self) -> None:
        self._rows: dict[str, Versioned] = {}
        self.writes = 0

    def get(self, name: str) -> Versioned:
        return self._rows.get(name, Versioned(CLOSED, 0))

    def put(self, name: str, state: BreakerState, expected_version: int) -> int | None:
        if self.get(name).version != expected_version:
            return None
        self._rows[name] = Versioned(state, expected_version + 1)
        self.writes += 1
        return expected_version + 1


class FakeClock(Clock):
    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


@dataclass
class FakeSleep:
    """Records the delays asked for and moves the clock instead of sleeping."""

    clock: FakeClock
    delays: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock.advance(seconds)


class ScriptedRandom:
    """A ``UniformSource`` that picks the given fractions of each range, in turn (then 1.0)."""

    def __init__(self, fractions: Iterable[float] = ()) -> None:
        self._fractions = list(fractions)
        self.ranges: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.ranges.append((a, b))
        fraction = self._fractions.pop(0) if self._fractions else 1.0
        return a + (b - a) * fraction
