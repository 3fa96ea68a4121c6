"""The ``ordermesh`` command: one entry point, a group of subcommands per area."""

from __future__ import annotations

import typer
from ordermesh_contracts.cli import app as contracts_app
from ordermesh_contracts.errors import ContractError
from rich.console import Console

app = typer.Typer(
    help="ordermesh: an event-driven order platform, and its local runtime.", no_args_is_help=True
)
app.add_typer(contracts_app, name="contracts")
console = Console(highlight=False)


def main() -> None:
    try:
        app()
    except ContractError as exc:
        for problem in exc.problems:
            console.print(f"[red]✗[/red] {problem}", soft_wrap=True)
        raise SystemExit(1) from exc
