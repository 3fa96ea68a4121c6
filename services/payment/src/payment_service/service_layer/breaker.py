"""The shared circuit breaker: pure decisions (domain.breaker) over a compare-and-set store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from payment_service.adapters.ports import BreakerStateStore, Clock
from payment_service.domain import breaker
from payment_service.domain.breaker import Admission, BreakerPolicy, BreakerState

R = TypeVar("R")
Step = Callable[[BreakerState], tuple[BreakerState, R]]

_CAS_ATTEMPTS = 5


@dataclass(frozen=True)
class CircuitBreaker:
    """One breaker, shared by every invocation that uses the same store and name.

    Each change is read, decide, compare-and-set; on a lost race it reads again and decides
    again. A state that does not change is not written (a closed breaker costs one read).
    """

    store: BreakerStateStore
    clock: Clock
    policy: BreakerPolicy = field(default_factory=BreakerPolicy)
    name: str = "payment-provider"

    def admit(self) -> Admission:
        def step(state: BreakerState) -> tuple[BreakerState, Admission]:
            admission = breaker.admit(state, self.policy, self.clock.now())
            return admission.state, admission

        return self._change(step)

    def succeeded(self) -> None:
        self._change(lambda _state: (breaker.record_success(), None))

    def failed(self) -> BreakerState:
        """Record a transient failure; returns the state after it (OPEN: stop trying)."""

        def step(state: BreakerState) -> tuple[BreakerState, BreakerState]:
            after = breaker.record_failure(state, self.policy, self.clock.now())
            return after, after

        return self._change(step)

    def state(self) -> BreakerState:
        return self.store.get(self.name).state

    def _change(self, step: Step[R]) -> R:
        """Apply ``step`` atomically; after repeated lost races the last decision stands."""
        for _ in range(_CAS_ATTEMPTS - 1):
            current = self.store.get(self.name)
            new, result = step(current.state)
            if new == current.state:
                return result
            if self.store.put(self.name, new, current.version) is not None:
                return result
        current = self.store.get(self.name)
        return step(current.state)[1]
