"""The provider simulator's ledger of calls: every ``/v1`` request it answered, in order.

Counts say how much happened; the ledger says when and to which order, which is what a test
needs to show that a circuit breaker stopped calling a provider that was down, or that a retry
after a lost answer charged nothing. ``GET /admin/calls`` answers it as JSON.

A call is recorded once its answer is decided (after the simulated latency): 503s while down
or failing transiently, kept answers replayed, new answers. Requests refused before that (a
wrong API key, no idempotency key, a body that is not JSON) never reached the provider's logic
and are only counted in the stats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class ProviderCall:
    at: float  # the simulator's clock (seconds since the epoch) when the answer was decided
    path: str
    idempotency_key: str
    order_id: str | None  # the body's orderId (authorizations); None for refunds
    status: int
    down: bool = False  # answered 503 because the provider was down (switch or outage window)
    replayed: bool = False  # the kept answer to its idempotency key, given again
    lost: bool = False  # decided, but answered only after the caller had given up
    # when the request reached the provider's logic, before the simulated latency (None: at)
    received: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "receivedAt": _iso(self.at if self.received is None else self.received),
            "at": _iso(self.at),
            "path": self.path,
            "idempotencyKey": self.idempotency_key,
            "orderId": self.order_id,
            "status": self.status,
            "down": self.down,
            "replayed": self.replayed,
            "lost": self.lost,
        }


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")
