"""The chaos suite, 500 orders with every fault on and a fixed seed: the system as ``ordermesh
up`` runs it in a child process, the load generator in another, then every invariant.

Kept to about two minutes without touching the system's own timeouts: the orders come at 50 a
second (10 s of load) and the stall lasts just past the saga's reply timeout, read from the
platform's manifest, so its sagas still time out and compensate. Every fault must have fired."""

from __future__ import annotations

import tomllib
from pathlib import Path

from ordermesh_platform.chaos.run import ChaosRun
from ordermesh_platform.chaos.scenario import Fault, Plan

ROOT = Path(__file__).resolve().parents[2]
FIRED = (
    "injected: duplicate-delivery",
    "events replayed from the archive",
    "injected: function-failure",
    "injected: function-timeout",
    "injected: stall",
    "provider 503s",
    "provider calls while down",
    "orders submitted again (same key)",
)


def reply_timeout() -> float:
    platform = tomllib.loads((ROOT / "platform" / "platform.toml").read_text(encoding="utf-8"))
    (saga,) = [m for m in platform["state_machines"] if m["name"] == "order-saga"]
    return float(saga["substitutions"]["ReplyTimeoutSeconds"])


def test_500_orders_with_every_fault_on_break_no_invariant(tmp_path: Path) -> None:
    stall = reply_timeout() + 3  # past the saga's wait: its ReserveInventory steps time out
    plan = Plan.of(orders=500, rate=50, seed=23, faults=frozenset(Fault), stall_seconds=stall)

    # Draining takes about 90 s; its tail is a command that fails again and again (a fifth of the
    # inventory invocations fail by design) and waits out its 30 s visibility timeout each time,
    # after kills that cost it a delivery: one such order once settled only after 240 s. The
    # timeout is the command's (ordermesh chaos --drain-timeout's default), not a typical run.
    result = ChaosRun(ROOT, tmp_path / "state", plan, print, drain_timeout=600).run()

    assert result.drained
    assert {name: found[:3] for name, found in result.violations.items() if found} == {}
    assert len(result.evidence.accepted) == plan.orders
    assert {name: result.faults[name] for name in FIRED if not result.faults[name]} == {}
    assert result.faults["runtime killed (SIGKILL)"] == 2
    assert result.evidence.outage is not None
    assert result.outcomes["CANCELLED SAGA_TIMED_OUT"] > 0  # the stall outlasted the saga's wait
    outage_start, outage_end = result.evidence.outage
    placed_in_outage = [
        o for o, at in result.evidence.accepted_at.items() if outage_start <= at <= outage_end
    ]
    assert placed_in_outage  # the outage invariant had orders to check
