"""Ports: what the use cases need from the outside world.

``BreakerStateStore`` keeps one circuit breaker's state shared by every invocation, with a
compare-and-set on a version number:

- DynamoDB (the service's table): item ``pk = "BREAKER#<name>"`` with ``status``, ``failures``,
  ``since``, ``trials`` and ``version``. ``put(name, state, expected_version=v)`` is a PutItem
  with ``ConditionExpression="attribute_not_exists(pk) OR version = :v"`` (``v = 0``: the item
  must not exist) that writes ``version = v + 1``; ``ConditionalCheckFailedException`` means
  another invocation wrote first, and ``put`` returns ``None``. ``get`` is a strongly consistent
  GetItem; a missing item is ``Versioned(CLOSED, 0)``.
- SQLite (local runtime): a row ``breakers(name PRIMARY KEY, status, failures, since, trials,
  version)``. With ``v = 0``: ``INSERT ... ON CONFLICT(name) DO NOTHING``; otherwise
  ``UPDATE breakers SET ..., version = version + 1 WHERE name = ? AND version = ?``. A row count of
  0 means the compare-and-set lost.

``PaymentRepository`` uses the same optimistic scheme on the payment item: ``add`` is a put
conditional on the order having no payment yet, ``update`` is conditional on the version read.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime

from payment_service.domain.breaker import BreakerState
from payment_service.domain.events import DeclineCode
from payment_service.domain.model import Payment
from payment_service.domain.money import Money


@dataclass(frozen=True)
class Authorization:
    """The provider authorized (held) the amount."""

    authorization_id: str


@dataclass(frozen=True)
class ProviderDecline:
    """The provider declined for good: the customer must act."""

    code: DeclineCode
    message: str


@dataclass(frozen=True)
class ProviderRefund:
    refund_reference: str


AuthorizationResult = Authorization | ProviderDecline


class PaymentProvider(abc.ABC):
    """The external payment provider (HTTP in production).

    Implementations dedupe by idempotency key, as real providers do: the same key never charges
    (or refunds) twice and returns the first answer again. Timeouts, 5xx answers and connection
    errors raise ``ProviderTransientError``; only a real refusal is a ``ProviderDecline``.
    """

    name: str

    @abc.abstractmethod
    def authorize(
        self, idempotency_key: str, order_id: str, amount: Money, customer_id: str
    ) -> AuthorizationResult: ...

    @abc.abstractmethod
    def refund(self, idempotency_key: str, authorization_id: str, amount: Money) -> ProviderRefund:
        """Refund (or void, if not captured yet); ``RefundRejectedError`` if refused for good."""


@dataclass(frozen=True)
class Versioned:
    state: BreakerState
    version: int  # 0: never stored


class BreakerStateStore(abc.ABC):
    @abc.abstractmethod
    def get(self, name: str) -> Versioned: ...

    @abc.abstractmethod
    def put(self, name: str, state: BreakerState, expected_version: int) -> int | None:
        """Store ``state`` if the stored version is still ``expected_version``.

        Returns the new version, or ``None`` when another writer got there first.
        """


class PaymentRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, order_id: str) -> Payment | None: ...

    @abc.abstractmethod
    def add(self, payment: Payment) -> None:
        """Store a new payment; ``PaymentConflictError`` if the order already has one."""

    @abc.abstractmethod
    def update(self, payment: Payment) -> None:
        """Store a changed payment; ``PaymentConflictError`` if it changed since it was read."""


class Clock(abc.ABC):
    @abc.abstractmethod
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
