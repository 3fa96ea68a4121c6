"""``ordermesh lake status``, ``flush`` and ``backfill``: what each delivery stream holds and has
written, its buffer written to the lake now, and the lake rebuilt from the bus archive.

Like the other commands they open the runtime's store directly, so they work whether or not
``ordermesh up`` is running and do not stop it: each batch is sealed in its own short
transaction, and a batch the other process sealed is written under the same key with the same
content by whichever gets there first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ordermesh_platform.cli.common import (
    RootOption,
    StateOption,
    console,
    err_console,
    open_runtime,
)
from ordermesh_platform.runtime.lake_backfill import backfill as backfill_lake
from ordermesh_platform.runtime.runtime import LocalRuntime

app = typer.Typer(help="The local data lake's delivery streams.", no_args_is_help=True)

LakeOption = Annotated[
    Path | None,
    typer.Option("--lake-dir", help="The lake's folder (default: <state-dir>/lake)."),
]


@app.command("status")
def status(
    root: RootOption = None, state_dir: StateOption = None, lake_dir: LakeOption = None
) -> None:
    """Each delivery stream's records waiting, objects, rows and bytes written, and records that
    failed conversion (written to the error output instead)."""
    runtime = open_runtime(root, state_dir, validate_contracts=False, lake_dir=lake_dir)
    try:
        streams = runtime.lake_status()
        folder = runtime.delivery_streams.lake
    finally:
        runtime.close()
    table = Table(title=f"delivery streams writing to {folder}")
    for column in ("stream", "waiting", "objects", "rows", "failed conversion", "bytes"):
        table.add_column(column, justify="left" if column == "stream" else "right")
    for stream in streams:
        table.add_row(
            stream.name,
            f"{stream.records_buffered:,}",
            f"{stream.objects_written:,}",
            f"{stream.records_delivered:,}",
            f"[red]{stream.conversion_failures:,}[/red]" if stream.conversion_failures else "0",
            f"{stream.bytes_written:,}",
        )
    console.print(table)


@app.command("flush")
def flush(
    root: RootOption = None, state_dir: StateOption = None, lake_dir: LakeOption = None
) -> None:
    """Write every delivery stream's buffer to the lake now, whatever its size and age."""
    runtime = open_runtime(root, state_dir, validate_contracts=False, lake_dir=lake_dir)
    try:
        _flush(runtime)
    finally:
        runtime.close()


@app.command("backfill")
def backfill(
    start: Annotated[
        str, typer.Option("--from", help="Events at or after this time (ISO 8601, UTC if no zone).")
    ],
    end: Annotated[
        str | None, typer.Option("--to", help="Events before this time (default: now).")
    ] = None,
    root: RootOption = None,
    state_dir: StateOption = None,
    lake_dir: LakeOption = None,
) -> None:
    """Deliver the archived events of a time range that the lake lacks to the delivery streams
    alone, and write them; run twice, the tables hold the same rows."""
    first = parse_time(start, "--from")
    last = parse_time(end, "--to") if end is not None else None
    if last is not None and last <= first:
        raise typer.BadParameter(f"{end} is not after --from {start}", param_hint="--to")
    runtime = open_runtime(root, state_dir, validate_contracts=False, lake_dir=lake_dir)
    try:
        finish = last if last is not None else runtime.clock.now()
        try:
            delivered = backfill_lake(runtime.bus, runtime.delivery_streams, first, finish)
        except OSError as exc:
            err_console.print(f"[red]✗[/red] cannot read the lake: {exc}")
            raise typer.Exit(1) from exc
        total = sum(delivered.values())
        console.print(f"{total} archived event(s) missing from the lake, delivered again")
        _flush(runtime)
    finally:
        runtime.close()


def parse_time(value: str, option: str) -> float:
    """An ISO 8601 time (UTC when it names no zone) as epoch seconds; a clear error if not."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        message = f"{value!r} is not a time: use ISO 8601, like 2026-12-05 or 2026-12-05T14:30Z"
        raise typer.BadParameter(message, param_hint=option) from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _flush(runtime: LocalRuntime) -> None:
    try:
        written = runtime.delivery_streams.flush()
    except OSError as exc:
        err_console.print(f"[red]✗[/red] cannot write to {runtime.delivery_streams.lake}: {exc}")
        raise typer.Exit(1) from exc
    if not written:
        console.print("nothing buffered: the lake is up to date")
    for name, records in sorted(written.items()):
        console.print(f"[green]✓[/green] {name}: {records} record(s) written")
