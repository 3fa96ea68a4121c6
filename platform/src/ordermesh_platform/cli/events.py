"""``ordermesh events`` (put, tail, test-pattern) and ``ordermesh replay``: the local bus's
events, its archive, and replays from it."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ordermesh_platform.cli.common import (
    RootOption,
    StateOption,
    console,
    err_console,
    open_runtime,
    text_argument,
)
from ordermesh_platform.patterns import InvalidEventPatternError, compile_pattern
from ordermesh_platform.runtime.bus import BusError, entry_from_event

app = typer.Typer(help="Put, watch and test events on the local bus.", no_args_is_help=True)


@app.command("put")
def events_put(
    source: Annotated[str | None, typer.Option(help="Source of a single entry.")] = None,
    detail_type: Annotated[
        str | None, typer.Option("--detail-type", help="DetailType of a single entry.")
    ] = None,
    detail: Annotated[str | None, typer.Option(help="Detail JSON of a single entry.")] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="JSON file: a list of PutEvents entries, or an EventBridge event."
        ),
    ] = None,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """Put events on the local bus (contract-checked); prints each entry's result."""
    entries = _entries(source, detail_type, detail, file)
    runtime = open_runtime(root, state_dir)
    try:
        result = runtime.bus.put_events(entries)
    except BusError as exc:
        err_console.print(f"[red]✗[/red] {exc.code}: {exc.message}")
        raise typer.Exit(1) from exc
    finally:
        runtime.close()
    for index, outcome in enumerate(result.entries):
        if outcome.event_id:
            console.print(f"[green]✓[/green] entry {index}: {outcome.event_id}")
        else:
            console.print(
                f"[red]✗[/red] entry {index}: {outcome.error_code}: {outcome.error_message}",
                soft_wrap=True,
            )
    if result.failed_entry_count:
        raise typer.Exit(1)


def _entries(
    source: str | None, detail_type: str | None, detail: str | None, file: Path | None
) -> list[dict[str, Any]]:
    if file is not None:
        try:
            loaded = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(f"cannot read {file}: {exc}", param_hint="--file") from exc
        items = loaded if isinstance(loaded, list) else [loaded]
        return [_as_entry(item, f"{file}[{i}]") for i, item in enumerate(items)]
    if not (source and detail_type and detail):
        raise typer.BadParameter("give --file, or all of --source, --detail-type and --detail")
    return [
        {"Source": source, "DetailType": detail_type, "Detail": detail, "EventBusName": "ordermesh"}
    ]


def _as_entry(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise typer.BadParameter(f"{where} is not a JSON object", param_hint="--file")
    if "Source" in item:
        return {"EventBusName": "ordermesh", **item}
    if "source" in item and "detail-type" in item:  # an EventBridge event, e.g. a contract example
        return entry_from_event(item)
    raise typer.BadParameter(
        f"{where} is neither a PutEvents entry nor an EventBridge event", param_hint="--file"
    )


@app.command("tail")
def events_tail(
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new events.")
    ] = False,
    last: Annotated[int, typer.Option(help="How many recent events to print first.")] = 10,
    pattern: Annotated[
        str | None, typer.Option(help="Only events matching this event pattern.")
    ] = None,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """Print the bus's archived events, newest last (``--follow`` to keep watching)."""
    matcher = _compile_or_exit(pattern) if pattern else None
    runtime = open_runtime(root, state_dir, validate_contracts=False)
    conn = runtime.store.connection()
    rows = conn.execute(
        "SELECT seq, event FROM archive ORDER BY seq DESC LIMIT ?", (last,)
    ).fetchall()
    seq = 0
    for row in reversed(rows):
        seq = row["seq"]
        _print_event(row["event"], matcher)
    try:
        while follow:
            rows = conn.execute(
                "SELECT seq, event FROM archive WHERE seq > ? ORDER BY seq", (seq,)
            ).fetchall()
            for row in rows:
                seq = row["seq"]
                _print_event(row["event"], matcher)
            time.sleep(0.25)
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()


def _print_event(text: str, matcher: Any) -> None:
    event = json.loads(text)
    if matcher is not None and not matcher.matches(event):
        return
    console.print(
        f"{event['time']} [bold]{event['source']}[/bold] {event['detail-type']} {event['id']}",
        soft_wrap=True,
    )
    console.print_json(text)


def _compile_or_exit(pattern: str) -> Any:
    try:
        return compile_pattern(pattern)
    except InvalidEventPatternError as exc:
        err_console.print(f"[red]✗[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command("test-pattern")
def events_test_pattern(
    pattern: Annotated[str, typer.Option(help="The event pattern (JSON, or @file).")],
    event: Annotated[str, typer.Option(help="The event (JSON, or @file).")],
) -> None:
    """Does the pattern match the event? Exit 0 if so, 1 if not, 2 if the pattern is invalid."""
    compiled = _compile_or_exit(text_argument(pattern, "--pattern"))
    text = text_argument(event, "--event")
    try:
        matched = compiled.matches_json(text)
    except ValueError as exc:
        raise typer.BadParameter(f"not a JSON event: {exc}", param_hint="--event") from exc
    console.print("[green]match[/green]" if matched else "[yellow]no match[/yellow]")
    if not matched:
        raise typer.Exit(1)


def replay(
    name: Annotated[str, typer.Argument(help="A name for this replay (used once).")],
    start: Annotated[
        datetime,
        typer.Option("--from", help="Events at or after this time (ISO 8601, UTC if no zone)."),
    ],
    end: Annotated[
        datetime | None, typer.Option("--to", help="Events before this time (default: now).")
    ] = None,
    pattern: Annotated[
        str | None, typer.Option(help="Only archived events matching this pattern.")
    ] = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="Only to these rules (repeatable).")
    ] = None,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """Replay archived events to the bus's rules; each carries ``replay-name``."""
    if pattern:
        _compile_or_exit(pattern)
    runtime = open_runtime(root, state_dir, validate_contracts=False)
    try:
        finish = _epoch(end) if end else runtime.clock.now()
        result = runtime.bus.replay(name, _epoch(start), finish, event_pattern=pattern, rules=rule)
    except BusError as exc:
        err_console.print(f"[red]✗[/red] {exc.code}: {exc.message}")
        raise typer.Exit(1) from exc
    finally:
        runtime.close()
    console.print(f"replay {result.name}: {result.events_replayed} event(s) {result.state.lower()}")


def _epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
