"""``ordermesh chaos``: the whole system under load with faults on, then the invariants."""

from __future__ import annotations

import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ordermesh_platform.chaos.report import markdown, table, violations_text, write_section
from ordermesh_platform.chaos.run import ChaosError, ChaosRun
from ordermesh_platform.chaos.scenario import STALL_SECONDS, Plan, parse_faults
from ordermesh_platform.cli.common import RootOption, console, err_console, find_project


def chaos(
    orders: Annotated[int, typer.Option(min=1, help="How many orders to place.")] = 500,
    scenario: Annotated[
        list[str],
        typer.Option(
            help="Faults (repeatable or comma-separated): provider-flaky, provider-outage, "
            "duplicate-delivery, inventory-faults, double-submit, service-stall, kill, or all."
        ),
    ] = ["all"],  # noqa: B006 - typer reads the default, never changes it
    seed: Annotated[int, typer.Option(help="Seed of the orders and of every fault.")] = 1,
    rate: Annotated[float, typer.Option(min=0.1, help="Orders placed per second.")] = 20.0,
    stall_seconds: Annotated[
        float,
        typer.Option(
            min=1.0,
            help="How long the stalled service stops answering; past the saga's reply timeout "
            "(60 s) its sagas time out and compensate.",
        ),
    ] = STALL_SECONDS,
    state_dir: Annotated[
        Path | None,
        typer.Option("--state-dir", help="A fresh state folder for the run (default: temporary)."),
    ] = None,
    drain_timeout: Annotated[float, typer.Option(help="Seconds to wait for draining.")] = 600.0,
    report: Annotated[
        Path | None, typer.Option(help="Rewrite the chaos section of this RELIABILITY.md.")
    ] = None,
    root: RootOption = None,
) -> None:
    """Run the system as `ordermesh up` does, under load, with faults; check the invariants."""
    try:
        plan = Plan.of(orders, rate, seed, parse_faults(scenario), stall_seconds)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scenario") from exc
    project = find_project(root).root
    state = state_dir or Path(tempfile.mkdtemp(prefix="ordermesh-chaos-"))
    if state.exists() and any(state.iterdir()):
        message = f"{state} is not empty: a run needs a fresh one"
        raise typer.BadParameter(message, param_hint="--state-dir")
    try:
        result = ChaosRun(project, state, plan, console.print, drain_timeout).run()
    except ChaosError as exc:
        err_console.print(f"[red]✗[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(table(result))
    if report is not None:
        command = "ordermesh chaos " + shlex.join(sys.argv[2:])
        write_section(report, markdown(result, command))
        console.print(f"wrote the chaos section of {report}")
    total = sum(len(found) for found in result.violations.values())
    if total or not result.drained:
        err_console.print(violations_text(result))
        err_console.print(f"[red]✗[/red] {total} violations; state kept in {state}")
        raise typer.Exit(1)
    console.print("[green]✓[/green] every invariant holds")
    if state_dir is None:
        shutil.rmtree(state, ignore_errors=True)
