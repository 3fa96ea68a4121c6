"""The chaos suite's faults and the plan of a run: when each fault happens, from a seed."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    PROVIDER_FLAKY = "provider-flaky"  # 30% of provider calls fail transiently
    PROVIDER_OUTAGE = "provider-outage"  # the provider down (503s, then timeouts) for a window
    DUPLICATE_DELIVERY = "duplicate-delivery"  # every event twice to every target, and a replay
    INVENTORY_FAULTS = "inventory-faults"  # the inventory handler fails or times out 20%
    DOUBLE_SUBMIT = "double-submit"  # orders posted again with their key, and concurrently
    SERVICE_STALL = "service-stall"  # inventory stops answering for longer than the saga waits
    KILL = "kill"  # the runtime killed with SIGKILL twice, restarted on the same state


ALL = "all"
PROVIDER_FAILURE_RATE = 0.3
INVENTORY_FAILURE_RATE, INVENTORY_TIMEOUT_RATE = 0.1, 0.1
INVENTORY_FUNCTIONS = ("inventory-reserve-consumer", "inventory-release-consumer")
STALLED_FUNCTION = "inventory-reserve-consumer"
STALL_SECONDS = 70.0  # longer than the saga's ReplyTimeoutSeconds (60): reservations time out
# When each timed fault starts, as a share of the load's length. The outage comes before the stall
# so orders reach the provider while it is down (during the stall no order gets past its
# reservation); the stall starts as the outage ends, or later in a long run.
OUTAGE_AT, STALL_AT, REPLAY_AT = 0.1, 0.2, 0.5
OUTAGE_SECONDS = 12.0  # 503s for the first half, answers slower than the payment timeout after


def parse_faults(names: Iterable[str]) -> frozenset[Fault]:
    """The faults named (``all``: every one); ``ValueError`` naming one that is not a fault."""
    faults: set[Fault] = set()
    for name in names:
        for part in name.split(","):
            if part == ALL:
                faults |= set(Fault)
                continue
            try:
                faults.add(Fault(part))
            except ValueError:
                known = ", ".join([*(f.value for f in Fault), ALL])
                raise ValueError(f"--scenario {part!r} is not one of {known}") from None
    if not faults:
        raise ValueError("--scenario names no fault")
    return frozenset(faults)


@dataclass(frozen=True)
class Plan:
    """A run: how many orders at what rate, the faults on, and when the timed ones happen
    (seconds after the load starts)."""

    orders: int
    rate: float  # orders per second
    seed: int
    faults: frozenset[Fault]
    outage: tuple[float, float] | None = None
    stall: tuple[float, float] | None = None
    replay_at: float | None = None
    kills: tuple[float, ...] = ()
    stall_seconds: float = STALL_SECONDS

    @property
    def load_seconds(self) -> float:
        return self.orders / self.rate

    @classmethod
    def of(
        cls,
        orders: int,
        rate: float,
        seed: int,
        faults: frozenset[Fault],
        stall_seconds: float = STALL_SECONDS,
    ) -> Plan:
        """The plan; ``stall_seconds`` must outlast the saga's reply timeout for its sagas to
        time out (shorter, the stall only delays reservations)."""
        if orders < 1 or rate <= 0:
            raise ValueError("a run needs at least one order and a positive rate")
        if stall_seconds <= 0:
            raise ValueError("a stall lasts a positive number of seconds")
        rng = random.Random(seed)  # noqa: S311 - a test plan, not secrets
        load = orders / rate
        outage = stall = replay_at = None
        kills: tuple[float, ...] = ()
        if Fault.PROVIDER_OUTAGE in faults:
            start = load * OUTAGE_AT
            outage = (start, start + OUTAGE_SECONDS)
        if Fault.SERVICE_STALL in faults:
            # not before the outage is over: a stall holds every order at its reservation, and
            # an outage no payment reaches tests nothing
            start = max(load * STALL_AT, outage[1] if outage else 0.0)
            stall = (start, start + stall_seconds)
        if Fault.DUPLICATE_DELIVERY in faults:
            replay_at = load * REPLAY_AT
        if Fault.KILL in faults:
            kills = tuple(sorted(rng.uniform(load * 0.15, load * 0.85) for _ in range(2)))
        return cls(orders, rate, seed, faults, outage, stall, replay_at, kills, stall_seconds)
