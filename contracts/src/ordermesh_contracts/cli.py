"""``ordermesh contracts ...``: the contract registry's command line.

Exit codes: 0 clean, 1 violations found, 2 usage error (bad arguments, no project here).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ordermesh_contracts import codegen as codegen_module
from ordermesh_contracts.can_i_deploy import can_i_deploy, find_unit
from ordermesh_contracts.catalog import Catalog, load_catalog
from ordermesh_contracts.check import Project, check_project
from ordermesh_contracts.compat import Mode, check
from ordermesh_contracts.errors import ContractViolation, Problem
from ordermesh_contracts.lock import load_lock
from ordermesh_contracts.lock import release as release_versions
from ordermesh_contracts.validation import ContractValidator

app = typer.Typer(
    help="Event contracts: check, generate models, release, compare.", no_args_is_help=True
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

RootOption = Annotated[
    Path | None,
    typer.Option("--root", help="Project root (default: found above the current folder)."),
]


def _project(root: Path | None) -> Project:
    try:
        return Project.find(root or Path.cwd())
    except FileNotFoundError as exc:
        raise typer.BadParameter(str(exc), param_hint="--root") from exc


def _catalog(project: Project) -> Catalog:
    catalog = load_catalog(project.schemas_dir)
    if catalog.problems:
        print_problems(catalog.problems)
        raise typer.Exit(1)
    return catalog


def print_problems(problems: list[Problem]) -> None:
    """One line per problem: ``file#pointer: message``."""
    for problem in problems:
        out.print(f"[red]✗[/red] {problem}", soft_wrap=True)


@app.command("check")
def check_command(root: RootOption = None) -> None:
    """Check schemas, examples, released versions, version contiguity and manifests."""
    project = _project(root)
    problems = check_project(project)
    if problems:
        print_problems(problems)
        out.print(f"[red]{len(problems)} contract violation(s)[/red]")
        raise typer.Exit(1)
    catalog = load_catalog(project.schemas_dir)
    out.print(f"[green]✓[/green] {len(catalog.contracts)} contract versions check out")


@app.command("can-i-deploy")
def can_i_deploy_command(
    unit: Annotated[
        str, typer.Argument(help="The unit: its folder (services/order), manifest or name.")
    ],
    root: RootOption = None,
) -> None:
    """Can UNIT deploy: its events released as the tree has them, its subscriptions published?"""
    project = _project(root)
    try:
        manifest = find_unit(project, unit)
    except LookupError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="UNIT") from exc
    verdict = can_i_deploy(project, manifest)
    if verdict.problems:
        print_problems(verdict.problems)
        out.print(f"[red]{verdict.unit} cannot deploy: {len(verdict.problems)} problem(s)[/red]")
        raise typer.Exit(1)
    out.print(
        f"[green]✓[/green] {verdict.unit} can deploy: {verdict.publishes} publication(s) and "
        f"{verdict.subscriptions} subscription(s), all on released event versions as the tree "
        "has them; every subscription has a publisher",
        soft_wrap=True,
    )


@app.command("codegen")
def codegen_command(
    check_only: Annotated[
        bool, typer.Option("--check", help="Fail if the models are stale.")
    ] = False,
    root: RootOption = None,
) -> None:
    """Generate the pydantic models from the schemas (or, with --check, verify they are current)."""
    catalog = _catalog(_project(root))
    result = codegen_module.run(catalog, check=check_only)
    if check_only:
        stale = [*result.stale, *result.extra]
        for path in stale:
            out.print(f"[red]✗[/red] stale generated model: {path}", soft_wrap=True)
        if stale:
            out.print("[red]models are stale: run `ordermesh contracts codegen`[/red]")
            raise typer.Exit(1)
        out.print("[green]✓[/green] generated models are current")
        return
    for path in [*result.written, *result.extra]:
        verb = "removed" if path in result.extra else "wrote"
        out.print(f"{verb} {path}", soft_wrap=True)
    out.print(f"[green]✓[/green] {len(result.written)} file(s) written")


@app.command("release")
def release_command(
    refs: Annotated[
        list[str] | None, typer.Argument(help="Name@N to release (default: all).")
    ] = None,
    mode: Annotated[Mode | None, typer.Option(help="Compatibility mode to record.")] = None,
    root: RootOption = None,
) -> None:
    """Record new and compatibly changed versions in contracts/registry.lock.json."""
    project = _project(root)
    catalog = _catalog(project)
    try:
        keys = [catalog.find(ref).key for ref in refs] if refs else None
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="REFS") from exc
    outcome = release_versions(catalog, load_lock(project.contracts_dir), keys, mode)
    for key, revision in outcome.released:
        out.print(f"[green]released[/green] {key} revision {revision}")
    for key, result in outcome.refused:
        for v in result.violations:
            change = v.change
            out.print(
                f"[red]✗ refused[/red] {key}: {change.type} {change.pointer}: {change.message}"
            )
    if outcome.refused:
        raise typer.Exit(1)
    if not outcome.released:
        out.print("nothing to release: every version is already recorded")


@app.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="Schema file, Name@N, or Name@N@rK (released).")],
    new: Annotated[str, typer.Argument(help="Schema file, Name@N, or Name@N@rK (released).")],
    mode: Annotated[Mode, typer.Option(help="Mode to judge the changes by.")] = Mode.FULL,
    root: RootOption = None,
) -> None:
    """Print every change from OLD to NEW, and whether MODE allows it (exit 1 if not)."""
    project = _project(root)
    result = check(_load_schema(project, old), _load_schema(project, new), mode)
    out.print(f"{old} → {new}: {len(result.changes)} change(s)")
    breaking_changes = {v.change for v in result.violations}
    for c in result.changes:
        breaking = c in breaking_changes
        mark = "[red]✗[/red]" if breaking else "[green]✓[/green]"
        flags = f"backward {_yes(c.backward)}, forward {_yes(c.forward)}"
        out.print(f"{mark} {c.type} {c.pointer}: {c.message} ({flags})", soft_wrap=True)
    verdict = "[green]compatible[/green]" if result.compatible else "[red]incompatible[/red]"
    out.print(f"{verdict} under {mode}")
    if not result.compatible:
        raise typer.Exit(1)


def _yes(flag: bool) -> str:
    return "[green]yes[/green]" if flag else "[red]no[/red]"


def _load_schema(project: Project, spec: str) -> dict[str, Any]:
    path = Path(spec)
    if path.suffix == ".json" and path.is_file():
        from ordermesh_contracts.bundle import bundle_schema

        return bundle_schema(json.loads(path.read_text(encoding="utf-8")), path)
    ref, _, revision = spec.partition("@r") if spec.count("@") == 2 else (spec, "", "")  # noqa: PLR2004
    catalog = _catalog(project)
    try:
        contract = catalog.find(ref)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0])) from exc
    if not revision:
        return contract.bundled
    lock = load_lock(project.contracts_dir)
    if contract.key not in lock.versions or not revision.isdigit():
        raise typer.BadParameter(f"{spec}: {ref} has no released revision r{revision}")
    history = lock.history(contract.key)
    if not 1 <= int(revision) <= len(history):
        raise typer.BadParameter(f"{spec}: {ref} has revisions r1..r{len(history)}")
    return history[int(revision) - 1]


@app.command("list")
def list_command(root: RootOption = None) -> None:
    """The event catalog: every contract version, its release state and examples."""
    project = _project(root)
    catalog = _catalog(project)
    lock = load_lock(project.contracts_dir)
    table = Table("source", "event", "version", "released", "mode", "examples")
    for key, contract in sorted(catalog.contracts.items()):
        locked = lock.versions.get(key)
        state = "no"
        if locked is not None:
            changed = locked.latest.fingerprint != contract.fingerprint
            state = f"r{locked.latest.revision}" + (" (changed since)" if changed else "")
        mode = str(locked.compatibility) if locked else "-"
        table.add_row(
            key.source, key.detail_type, str(key.version), state, mode, str(len(contract.examples))
        )
    out.print(table)


@app.command("validate")
def validate_command(
    files: Annotated[list[Path], typer.Argument(help="JSON files, each one EventBridge event.")],
    root: RootOption = None,
) -> None:
    """Validate event files against their contracts."""
    validator = ContractValidator(_catalog(_project(root)))
    failed = 0
    for file in files:
        try:
            event = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise typer.BadParameter(f"{file}: {exc}") from exc
        found: list[ContractViolation] = validator.violations(event)
        failed += bool(found)
        for v in found:
            out.print(f"[red]✗[/red] {file}: {v}", soft_wrap=True)
        if not found:
            out.print(f"[green]✓[/green] {file}: {validator.contract_for(event).key.ref}")
    if failed:
        raise typer.Exit(1)


@app.command("export")
def export_command(
    directory: Annotated[Path, typer.Argument(help="Where to write <source>/<Name>/v<N>.json.")],
    root: RootOption = None,
) -> None:
    """Write every schema self-contained (references inlined), as the AWS registry takes them."""
    catalog = _catalog(_project(root))
    for key, contract in sorted(catalog.contracts.items()):
        target = directory / key.source / key.detail_type / f"v{key.version}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(contract.bundled, indent=2, sort_keys=True) + "\n")
    out.print(f"[green]✓[/green] {len(catalog.contracts)} schemas written to {directory}")
