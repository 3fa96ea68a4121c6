"""Run a use case again when its commit lost a race (optimistic concurrency)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from inventory_service.adapters.ports import ConcurrencyConflictError

T = TypeVar("T")

DEFAULT_ATTEMPTS = 5


def with_retries(attempt: Callable[[], T], attempts: int = DEFAULT_ATTEMPTS) -> T:
    """Call ``attempt`` until it raises no ConcurrencyConflictError, ``attempts`` times at most.

    Each attempt reads fresh state, so it decides again; the last conflict is re-raised (the
    handler fails and the message is retried by its queue).
    """
    for _ in range(attempts - 1):
        try:
            return attempt()
        except ConcurrencyConflictError:
            continue
    return attempt()
