"""The ``ordermesh`` command: one entry point, a group of subcommands per area."""

from __future__ import annotations

import typer
from ordermesh_contracts.cli import app as contracts_app
from ordermesh_contracts.cli import print_problems
from ordermesh_contracts.errors import ContractError

from ordermesh_platform import runtime_cli, sfn_cli, system_cli

app = typer.Typer(
    help="ordermesh: an event-driven order platform, and its local runtime.", no_args_is_help=True
)
app.add_typer(contracts_app, name="contracts")


app.command("up")(system_cli.up)
app.command("seed")(system_cli.seed)
app.command("demo")(system_cli.demo)
app.command("openapi")(system_cli.openapi)
app.command("replay")(runtime_cli.replay)
app.add_typer(runtime_cli.events_cli, name="events")
app.add_typer(runtime_cli.dlq_cli, name="dlq")
app.add_typer(sfn_cli.sfn_cli, name="sfn")


def main() -> None:
    try:
        app()
    except ContractError as exc:  # a broken contract source found outside `check`
        print_problems(exc.problems)
        raise SystemExit(1) from exc


if __name__ == "__main__":
    main()
