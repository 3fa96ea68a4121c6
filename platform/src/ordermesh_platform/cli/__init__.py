"""The ``ordermesh`` command: one entry point, a module per group of subcommands.

``system`` has ``up``, ``seed``, ``demo`` and ``openapi``; ``chaos`` the chaos suite;
``events`` the bus's events and ``replay``; ``dlq`` the dead-letter queues; ``sfn`` the Step
Functions executions; ``trace`` one order's causal chain; ``lake`` the data lake's tables and
SQL; ``catalog`` the event catalog's site; ``common`` what they share.
``contracts`` comes from ``ordermesh_contracts.cli``.
"""

from __future__ import annotations

import typer
from ordermesh_contracts.cli import app as contracts_app
from ordermesh_contracts.cli import print_problems
from ordermesh_contracts.errors import ContractError

from ordermesh_platform.cli import alerts, catalog, chaos, dlq, events, lake, sfn, system, trace

app = typer.Typer(
    help="ordermesh: an event-driven order platform, and its local runtime.", no_args_is_help=True
)
app.add_typer(contracts_app, name="contracts")


app.command("up")(system.up)
app.command("seed")(system.seed)
app.command("demo")(system.demo)
app.command("openapi")(system.openapi)
app.command("chaos")(chaos.chaos)
app.command("trace")(trace.trace)
app.command("replay")(events.replay)
app.add_typer(events.app, name="events")
app.add_typer(dlq.app, name="dlq")
app.add_typer(sfn.app, name="sfn")
app.add_typer(lake.app, name="lake")
app.add_typer(alerts.app, name="alerts")
app.add_typer(catalog.app, name="catalog")


def main() -> None:
    try:
        app()
    except ContractError as exc:  # a broken contract source found outside `check`
        print_problems(exc.problems)
        raise SystemExit(1) from exc
