"""The plan of a run: when the timed faults happen."""

from __future__ import annotations

from ordermesh_platform.chaos.scenario import Fault, Plan


def test_the_stall_starts_after_the_outage_so_payments_reach_the_provider_while_down() -> None:
    plan = Plan.of(orders=500, rate=50, seed=23, faults=frozenset(Fault), stall_seconds=63.0)

    assert plan.outage is not None
    assert plan.stall is not None
    assert plan.stall[0] >= plan.outage[1]
    assert plan.stall[1] - plan.stall[0] == 63.0
