"""What the commands share: the ``--root`` and ``--state-dir`` options, the runtime they open
from them, the consoles they print on, and ``@file`` option values.

The commands open the runtime's SQLite store directly (it is shared safely between processes),
so they work whether or not ``ordermesh up`` is running; deliveries they cause are made by the
running runtime (or on its next start).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from ordermesh_contracts.check import Project
from rich.console import Console

from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.runtime.wiring import WiringError
from ordermesh_platform.shared.store import DEFAULT_DIR

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

RootOption = Annotated[
    Path | None,
    typer.Option("--root", help="Project root (default: found from the current folder)."),
]
StateOption = Annotated[
    Path | None,
    typer.Option("--state-dir", help="Runtime state folder (default: <root>/.ordermesh)."),
]


def find_project(root: Path | None) -> Project:
    """The project at ``--root``, or the one the current folder is in."""
    try:
        return Project.find(root or Path.cwd())
    except FileNotFoundError as exc:
        raise typer.BadParameter(str(exc), param_hint="--root") from exc


def open_runtime(root: Path | None, state_dir: Path | None, **options: Any) -> LocalRuntime:
    """The runtime wired from the project's manifests, without starting its workers."""
    project = find_project(root)
    state = state_dir or project.root / DEFAULT_DIR
    try:
        return LocalRuntime.from_project(project.root, RuntimeOptions(state_dir=state, **options))
    except WiringError as exc:
        err_console.print(f"[red]✗[/red] {exc.where}: {exc.reason}")
        raise typer.Exit(1) from exc


def text_argument(value: str, option: str) -> str:
    """An option's value: itself, or with ``@path`` the text of that file."""
    if value.startswith("@"):
        try:
            return Path(value[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise typer.BadParameter(str(exc), param_hint=option) from exc
    return value
