"""``ordermesh catalog build``: the event catalog as a static site (``event_catalog``), the one
``ordermesh up`` serves at ``/catalog`` and the workflow publishes to GitHub Pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ordermesh_platform.cli.common import RootOption, console, err_console, find_project
from ordermesh_platform.event_catalog.site import DEFAULT_OUT, write_site

app = typer.Typer(
    help="The event catalog: events, services, the saga, who talks to whom.", no_args_is_help=True
)


@app.command("build")
def build(
    root: RootOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help=f"Folder to write the site into (default: <root>/{DEFAULT_OUT})."
        ),
    ] = None,
) -> None:
    """Write the catalog's static site, generated from the contracts, the registry lock, the
    manifests, the OpenAPI documents and the ASL files."""
    project = find_project(root)
    folder = out or project.root / DEFAULT_OUT
    try:
        written = write_site(project.root, folder)
    except FileExistsError as exc:
        err_console.print(f"[red]✗[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"[green]✓[/green] {written} files in {folder} (open {folder / 'index.html'})")
