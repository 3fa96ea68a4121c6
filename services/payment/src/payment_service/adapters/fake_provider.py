"""A fake payment provider: declines by rule, fails transiently, goes down, dedupes by key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from payment_service.adapters.ports import (
    Authorization,
    AuthorizationResult,
    Clock,
    PaymentProvider,
    ProviderDecline,
    ProviderRefund,
)
from payment_service.domain.errors import ProviderTransientError, RefundRejectedError
from payment_service.domain.events import DeclineCode
from payment_service.domain.money import Money

T = TypeVar("T")


@dataclass(frozen=True)
class Charge:
    idempotency_key: str
    order_id: str
    amount: Money
    customer_id: str
    authorization_id: str


DeclineRule = Callable[[Charge], ProviderDecline | None]


class FakeProvider(PaymentProvider):
    """Behaves like a real provider over an unreliable network.

    ``calls`` counts every request that reached it (retries included); ``charges`` and
    ``refunds`` hold what it actually did, once per idempotency key.
    """

    def __init__(self, clock: Clock, name: str = "fakepay") -> None:
        self.name = name
        self._clock = clock
        self._rules: list[DeclineRule] = []
        self._outages: list[tuple[datetime, datetime]] = []
        self._failures_left = 0
        self._lost_left = 0
        self._answers: dict[str, AuthorizationResult] = {}
        self._refund_answers: dict[str, ProviderRefund] = {}
        self.calls: list[str] = []
        self.charges: list[Charge] = []
        self.refunds: list[tuple[str, Money]] = []

    def decline_when(self, rule: DeclineRule) -> None:
        self._rules.append(rule)

    def decline_customer(self, customer_id: str, code: DeclineCode, message: str) -> None:
        decline = ProviderDecline(code, message)
        self.decline_when(lambda charge: decline if charge.customer_id == customer_id else None)

    def fail_next(self, times: int) -> None:
        """The next ``times`` requests time out before the provider does anything."""
        self._failures_left = times

    def lose_next_responses(self, times: int) -> None:
        """The next ``times`` requests are done, but their answers are lost (a timeout)."""
        self._lost_left = times

    def down_between(self, start: datetime, end: datetime) -> None:
        """Every request in [start, end) fails with a 503."""
        self._outages.append((start, end))

    def authorize(
        self, idempotency_key: str, order_id: str, amount: Money, customer_id: str
    ) -> AuthorizationResult:
        self._arrive(f"authorize:{idempotency_key}")
        if idempotency_key not in self._answers:
            charge = Charge(idempotency_key, order_id, amount, customer_id, "")
            self._answers[idempotency_key] = self._decide(charge)
        return self._leave(self._answers[idempotency_key])

    def refund(self, idempotency_key: str, authorization_id: str, amount: Money) -> ProviderRefund:
        self._arrive(f"refund:{idempotency_key}")
        if idempotency_key not in self._refund_answers:
            self._check_refundable(authorization_id, amount)
            self.refunds.append((authorization_id, amount))
            answer = ProviderRefund(f"re_{len(self.refunds):06d}")
            self._refund_answers[idempotency_key] = answer
        return self._leave(self._refund_answers[idempotency_key])

    def _arrive(self, call: str) -> None:
        self.calls.append(call)
        now = self._clock.now()
        if any(start <= now < end for start, end in self._outages):
            raise ProviderTransientError("503 Service Unavailable")
        if self._failures_left > 0:
            self._failures_left -= 1
            raise ProviderTransientError("timed out after 10s")

    def _leave(self, answer: T) -> T:
        if self._lost_left > 0:
            self._lost_left -= 1
            raise ProviderTransientError("connection reset after the request was sent")
        return answer

    def _decide(self, charge: Charge) -> AuthorizationResult:
        for rule in self._rules:
            decline = rule(charge)
            if decline is not None:
                return decline
        authorization_id = f"auth_{len(self.charges) + 1:06d}"
        self.charges.append(
            Charge(
                charge.idempotency_key,
                charge.order_id,
                charge.amount,
                charge.customer_id,
                authorization_id,
            )
        )
        return Authorization(authorization_id)

    def _check_refundable(self, authorization_id: str, amount: Money) -> None:
        charge = next((c for c in self.charges if c.authorization_id == authorization_id), None)
        if charge is None:
            raise RefundRejectedError(f"no authorization {authorization_id}")
        if not amount.at_most(charge.amount):
            raise RefundRejectedError(f"cannot refund {amount} of {charge.amount}")
