"""Fakes wired together the way a composition root wires the real adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from payment_service.adapters.memory import (
    FakeClock,
    FakeProvider,
    FakeSleep,
    InMemoryBreakerStateStore,
    InMemoryPaymentRepository,
    ScriptedRandom,
)
from payment_service.domain import ids
from payment_service.domain.breaker import BreakerPolicy
from payment_service.domain.commands import AuthorizePayment, RefundPayment, RefundReason
from payment_service.domain.events import AuthorizationOutcome, PaymentRefunded
from payment_service.domain.money import Money
from payment_service.domain.retry import RetryPolicy
from payment_service.service_layer.authorize_payment import authorize_payment
from payment_service.service_layer.breaker import CircuitBreaker
from payment_service.service_layer.refund_payment import refund_payment
from payment_service.service_layer.resilience import Resilience

ORDER = "ord_01JDK2V9N4RY"
CUSTOMER = "cus_7Hq2Lk9P"
AMOUNT = Money(Decimal("214.00"), "EUR")
POLICY = BreakerPolicy(failure_threshold=3, recovery_timeout=timedelta(seconds=30))
RETRY = RetryPolicy(max_attempts=3, base_seconds=0.2, cap_seconds=2.0)


def authorize_command(order_id: str = ORDER, amount: Money = AMOUNT) -> AuthorizePayment:
    return AuthorizePayment(order_id, CUSTOMER, amount, reservation_id="res_01JDK2V7B3MX")


def refund_command(
    order_id: str = ORDER,
    amount: Money = AMOUNT,
    reason: RefundReason = RefundReason.SAGA_COMPENSATION,
) -> RefundPayment:
    return RefundPayment(order_id, ids.payment_id_for(order_id), amount, reason)


@dataclass
class World:
    """One deployment's worth of state: clock, provider, tables; ``instance()`` is a Lambda."""

    clock: FakeClock = field(default_factory=FakeClock)
    payments: InMemoryPaymentRepository = field(default_factory=InMemoryPaymentRepository)
    breakers: InMemoryBreakerStateStore = field(default_factory=InMemoryBreakerStateStore)
    rng: ScriptedRandom = field(default_factory=ScriptedRandom)
    provider: FakeProvider = field(init=False)
    sleep: FakeSleep = field(init=False)

    def __post_init__(self) -> None:
        self.provider = FakeProvider(self.clock)
        self.sleep = FakeSleep(self.clock)

    def instance(self) -> Resilience:
        """A fresh invocation environment: its own objects, the shared breaker store."""
        breaker = CircuitBreaker(self.breakers, self.clock, POLICY)
        return Resilience(breaker, self.rng, RETRY, self.sleep)

    def authorize(self, command: AuthorizePayment | None = None) -> AuthorizationOutcome:
        resilience = self.instance()
        return authorize_payment(
            command or authorize_command(), self.payments, self.provider, resilience
        )

    def refund(self, command: RefundPayment | None = None) -> PaymentRefunded:
        resilience = self.instance()
        return refund_payment(command or refund_command(), self.payments, self.provider, resilience)
