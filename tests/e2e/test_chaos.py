"""The chaos suite, 500 orders with every fault on and a fixed seed: the system as ``ordermesh
up`` runs it in a child process, the load generator in another, then every invariant."""

from __future__ import annotations

from pathlib import Path

from ordermesh_platform.chaos.run import ChaosRun
from ordermesh_platform.chaos.scenario import Fault, Plan

ROOT = Path(__file__).resolve().parents[2]


def test_500_orders_with_every_fault_on_break_no_invariant(tmp_path: Path) -> None:
    plan = Plan.of(orders=500, rate=20, seed=23, faults=frozenset(Fault))

    result = ChaosRun(ROOT, tmp_path / "state", plan, print, drain_timeout=240).run()

    assert result.drained
    assert {name: found[:3] for name, found in result.violations.items() if found} == {}
    assert len(result.evidence.accepted) == plan.orders
