"""``ordermesh sfn``: start, inspect, stop and redrive Step Functions executions on the local
runtime, and answer task tokens.

Like ``events`` and ``dlq``, the commands open the runtime's SQLite store directly, with the
state machines the manifests declare; the running ``ordermesh up`` runs the executions they
start or redrive and delivers the task outcomes they send (or does so on its next start). An
execution is named by its ARN or by ``MACHINE:NAME``; a state machine by its name or ARN. Times
are UTC.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from ordermesh_platform.cli.common import (
    RootOption,
    StateOption,
    console,
    err_console,
    open_runtime,
    text_argument,
)
from ordermesh_platform.sfn.engine import StepFunctions, execution_arn
from ordermesh_platform.shared.aws import AwsError, state_machine_arn

app = typer.Typer(
    help="Start, inspect, stop and redrive state machine executions.", no_args_is_help=True
)

MachineArgument = Annotated[str, typer.Argument(help="State machine name or ARN.")]
ExecutionArgument = Annotated[str, typer.Argument(help="Execution ARN, or MACHINE:NAME.")]
TokenArgument = Annotated[str, typer.Argument(help="The task token.")]
ErrorOption = Annotated[str | None, typer.Option("--error", help="Error code.")]
CauseOption = Annotated[str | None, typer.Option("--cause", help="Human-readable cause.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print AWS's JSON response instead.")]

_R = TypeVar("_R")
PREVIEW = 72
_STATUS_STYLE = {
    "RUNNING": "yellow",
    "SUCCEEDED": "green",
    "FAILED": "red",
    "TIMED_OUT": "red",
    "ABORTED": "red",
    "PENDING_REDRIVE": "yellow",
}


def _call(
    root: Path | None, state_dir: Path | None, operation: Callable[[StepFunctions], _R]
) -> _R:
    """``operation`` on the runtime's Step Functions service; an AWS error is printed, exit 1."""
    runtime = open_runtime(root, state_dir, validate_contracts=False)
    try:
        return operation(runtime.sfn)
    except AwsError as exc:
        err_console.print(f"[red]✗[/red] {escape(exc.code)}: {escape(exc.message)}", soft_wrap=True)
        raise typer.Exit(1) from exc
    finally:
        runtime.close()


def _done(message: str) -> None:
    console.print(f"[green]✓[/green] {escape(message)}", soft_wrap=True)


def _machine_arn(reference: str) -> str:
    return reference if reference.startswith("arn:") else state_machine_arn(reference)


def _execution_arn(reference: str) -> str:
    if reference.startswith("arn:"):
        return reference
    machine, _, name = reference.partition(":")
    if not machine or not name:
        raise typer.BadParameter(
            f"{reference!r} is neither an execution ARN nor MACHINE:NAME", param_hint="EXECUTION"
        )
    return execution_arn(machine, name)


def _time(epoch: float | None, *, date: bool = True) -> str:
    if epoch is None:
        return ""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f" if date else "%H:%M:%S.%f")[:-3]


def _one_day(epochs: Iterable[float | None]) -> str | None:
    """The UTC day all these times fall on, if they do (tables then show only the time)."""
    days = {_time(epoch)[:10] for epoch in epochs if epoch is not None}
    return days.pop() if len(days) == 1 else None


def _status(status: str) -> str:
    style = _STATUS_STYLE.get(status, "")
    return f"[{style}]{status}[/{style}]" if style else status


def _preview(text: str, limit: int = PREVIEW) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


# --- commands -----------------------------------------------------------------------------------
@app.command("start")
def start(
    machine: MachineArgument,
    name: Annotated[
        str | None, typer.Option("--name", help="Execution name (default: a new UUID).")
    ] = None,
    input_: Annotated[
        str | None, typer.Option("--input", help="Execution input: JSON, or @file (default {}).")
    ] = None,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """Start an execution; ``ordermesh up`` runs it."""
    arn = _machine_arn(machine)
    payload = text_argument(input_, "--input") if input_ is not None else None
    started = _call(root, state_dir, lambda sfn: sfn.start_execution(arn, name=name, input=payload))
    _done(f"started {started['executionArn']} at {_time(started['startDate'])}")


@app.command("describe")
def describe(
    execution: ExecutionArgument,
    as_json: JsonOption = False,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """An execution's status, dates, input and output, or error and cause."""
    arn = _execution_arn(execution)
    described = _call(root, state_dir, lambda sfn: sfn.describe_execution(arn))
    if as_json:
        _print_json(described)
        return
    rows = [
        ("execution", escape(described["executionArn"])),
        ("status", _status(described["status"])),
        ("started", _time(described["startDate"])),
        ("stopped", _time(described.get("stopDate"))),
        ("redriven", _redrives(described)),
        ("input", escape(described.get("input", ""))),
        ("output", escape(described.get("output", ""))),
        ("error", escape(described.get("error", ""))),
        ("cause", escape(described.get("cause", ""))),
    ]
    for label, value in rows:
        if value:
            console.print(f"[bold]{label:<9}[/bold] {value}", soft_wrap=True)


def _redrives(described: dict[str, Any]) -> str:
    count = described.get("redriveCount", 0)
    if not count:
        return ""
    return f"{count} time(s), last at {_time(described.get('redriveDate'))}"


@app.command("history")
def history(
    execution: ExecutionArgument,
    reverse: Annotated[bool, typer.Option("--reverse", help="Newest event first.")] = False,
    as_json: JsonOption = False,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """An execution's history events: id, time, type, state and a short detail."""
    arn = _execution_arn(execution)
    events = _call(root, state_dir, lambda sfn: _all_events(sfn, arn))
    states = _state_names(events)
    if reverse:
        events.reverse()
    if as_json:
        _print_json({"events": events})
        return
    day = _one_day(event["timestamp"] for event in events)
    table = Table(
        "id", f"time ({day})" if day else "time", "type", "state", "detail", title=escape(arn)
    )
    for event in events:
        table.add_row(
            str(event["id"]),
            _time(event["timestamp"], date=day is None),
            event["type"],
            escape(states.get(event["id"], "")),
            escape(_detail(event)),
        )
    console.print(table)


def _all_events(sfn: StepFunctions, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = sfn.get_execution_history(arn, max_results=1000, next_token=token)
        events.extend(page["events"])
        token = page.get("nextToken")
        if not token:
            return events


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def _state_names(events: list[dict[str, Any]]) -> dict[int, str]:
    """Each event's state: named by state entered/exited events, inherited along
    ``previousEventId`` by the events in between (oldest first)."""
    names: dict[int, str] = {}
    for event in events:
        if event["type"].startswith("Execution"):
            continue
        name = _details(event).get("name")
        names[event["id"]] = (
            name if isinstance(name, str) else names.get(event["previousEventId"], "")
        )
    return names


def _detail(event: dict[str, Any]) -> str:
    details = _details(event)
    failure = [str(details[k]) for k in ("error", "cause") if details.get(k) is not None]
    if failure:
        return _preview(": ".join(failure))
    parts = []
    if "resource" in details:
        parts.append(f"{details.get('resourceType', '')}:{details['resource']}".lstrip(":"))
    for key in ("output", "input"):
        if isinstance(details.get(key), str):
            parts.append(f"{key} {details[key]}")
            break
    if "index" in details:
        parts.append(f"index {details['index']}")
    if "redriveCount" in details:
        parts.append(f"redrive {details['redriveCount']}")
    return _preview(" ".join(parts))


@app.command("list")
def list_(
    machine: Annotated[
        str | None,
        typer.Argument(help="State machine name or ARN (default: list the state machines)."),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="Only executions with this status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, "
            "ABORTED, PENDING_REDRIVE).",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--max", help="At most this many executions.")] = 100,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """A state machine's executions, newest first; without one, the state machines."""
    if machine is None:
        _print_machines(
            _call(root, state_dir, lambda sfn: sfn.list_state_machines(max_results=1000))
        )
        return
    arn = _machine_arn(machine)
    status_filter = status.upper() if status else None
    executions = _call(
        root,
        state_dir,
        lambda sfn: sfn.list_executions(arn, status_filter=status_filter, max_results=limit),
    )
    items = executions["executions"]
    day = _one_day([i["startDate"] for i in items] + [i.get("stopDate") for i in items])
    started = f"started ({day})" if day else "started"
    table = Table("execution", "status", started, "stopped", "redrives", title=escape(arn))
    for item in items:
        table.add_row(
            escape(item["name"]),
            _status(item["status"]),
            _time(item["startDate"], date=day is None),
            _time(item.get("stopDate"), date=day is None),
            str(item.get("redriveCount") or ""),
        )
    console.print(table)
    if "nextToken" in executions:
        console.print(f"(the {limit} newest; --max for more)")


def _print_machines(listed: dict[str, Any]) -> None:
    table = Table("state machine", "type", "created", title="state machines")
    for item in listed["stateMachines"]:
        table.add_row(escape(item["name"]), item["type"], _time(item["creationDate"]))
    console.print(table)


@app.command("stop")
def stop(
    execution: ExecutionArgument,
    error: ErrorOption = None,
    cause: CauseOption = None,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """Stop a running execution (it ends ABORTED)."""
    arn = _execution_arn(execution)
    stopped = _call(root, state_dir, lambda sfn: sfn.stop_execution(arn, error=error, cause=cause))
    _done(f"stopped {arn} at {_time(stopped['stopDate'])}")


@app.command("redrive")
def redrive(
    execution: ExecutionArgument, root: RootOption = None, state_dir: StateOption = None
) -> None:
    """Run a failed, timed-out or aborted execution again from the state where it stopped."""
    arn = _execution_arn(execution)
    redriven = _call(root, state_dir, lambda sfn: sfn.redrive_execution(arn))
    _done(f"redriven {arn} at {_time(redriven['redriveDate'])}")


@app.command("send-success")
def send_success(
    token: TokenArgument,
    output: Annotated[str, typer.Option("--output", help="The task's result: JSON, or @file.")],
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """Complete a task waiting for its token (``.waitForTaskToken``) with a result."""
    result = text_argument(output, "--output")
    _call(root, state_dir, lambda sfn: sfn.send_task_success(token, result))
    _done("task succeeded")


@app.command("send-failure")
def send_failure(
    token: TokenArgument,
    error: ErrorOption = None,
    cause: CauseOption = None,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """Fail a task waiting for its token with an error and cause."""
    _call(root, state_dir, lambda sfn: sfn.send_task_failure(token, error=error, cause=cause))
    _done("task failed")
