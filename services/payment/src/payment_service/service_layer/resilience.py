"""Calling the provider through the shared breaker, with jittered retries of transient errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from payment_service.domain.breaker import BreakerStatus
from payment_service.domain.errors import ProviderTransientError, ProviderUnavailableError
from payment_service.domain.retry import RetryPolicy, UniformSource
from payment_service.service_layer.breaker import CircuitBreaker

T = TypeVar("T")


@dataclass(frozen=True)
class Resilience:
    breaker: CircuitBreaker
    rng: UniformSource
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep

    def call(self, operation: Callable[[], T], what: str) -> T:
        """Run ``operation``; ``ProviderUnavailableError`` if the breaker refuses or retries end.

        Every attempt asks the breaker first, so a breaker opened by another invocation stops
        this one's retries too; a failure that opens (or re-opens) it stops them at once.
        Answers that are not transient errors (a decline, a refused refund) are the provider
        working: they pass through.
        """
        attempts = 0
        while True:
            admission = self.breaker.admit()
            if not admission.allowed:
                raise ProviderUnavailableError(
                    f"{what}: the provider's circuit is open", admission.retry_after
                )
            attempts += 1
            try:
                result = operation()
            except ProviderTransientError as error:
                after = self.breaker.failed()
                if not self.retry.may_retry(attempts) or after.status is BreakerStatus.OPEN:
                    raise ProviderUnavailableError(
                        f"{what}: {attempts} attempt(s) failed, the last with: {error}",
                        self.breaker.policy.recovery_timeout,
                    ) from error
                self.sleep(self.retry.delay(attempts - 1, self.rng))
            else:
                self.breaker.succeeded()
                return result
