"""The ``ordermesh`` command: one entry point, a group of subcommands per area."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from ordermesh_contracts.check import Project, check_project
from ordermesh_contracts.cli import app as contracts_app
from ordermesh_contracts.cli import print_problems
from ordermesh_contracts.errors import ContractError
from ordermesh_contracts.manifest import discover_manifests, load_manifest
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="ordermesh: an event-driven order platform, and its local runtime.", no_args_is_help=True
)
app.add_typer(contracts_app, name="contracts")
console = Console(highlight=False)


@app.command("up")
def up(
    root: Annotated[Path | None, typer.Option("--root", help="Project root.")] = None,
) -> None:
    """Start the local runtime: check the contracts and manifests, show how the system is wired."""
    try:
        project = Project.find(root or Path.cwd())
    except FileNotFoundError as exc:
        raise typer.BadParameter(str(exc), param_hint="--root") from exc
    problems = check_project(project)
    print_problems(problems)
    if problems:
        raise typer.Exit(1)
    table = Table("unit", "source", "publishes", title="ordermesh")
    for path in discover_manifests(project.root):
        manifest = load_manifest(path)
        published = ", ".join(p.event for p in manifest.publishes)
        table.add_row(manifest.service.name, manifest.service.source, published)
    console.print(table)
    console.print("[green]✓[/green] contracts and manifests check out")
    console.print(
        "Local runtime: no bus, queues or handlers in this version yet; nothing to serve."
    )


def main() -> None:
    try:
        app()
    except ContractError as exc:  # a broken contract source found outside `check`
        print_problems(exc.problems)
        raise SystemExit(1) from exc
