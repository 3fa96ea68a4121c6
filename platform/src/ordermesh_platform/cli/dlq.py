"""``ordermesh dlq``: the local runtime's dead-letter queues, their messages, and redrive."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from ordermesh_platform.cli.common import RootOption, StateOption, console, open_runtime
from ordermesh_platform.runtime.status import dead_letter_queues

app = typer.Typer(help="Inspect and redrive dead-letter queues.", no_args_is_help=True)


@app.command("list")
def dlq_list(root: RootOption = None, state_dir: StateOption = None) -> None:
    """Every dead-letter queue with its depth and the queues, functions or stream consumers that
    feed it."""
    runtime = open_runtime(root, state_dir, validate_contracts=False)
    table = Table("dead-letter queue", "messages", "fed by")
    try:
        for queue in dead_letter_queues(runtime):
            table.add_row(queue.name, str(queue.messages), ", ".join(queue.fed_by))
    finally:
        runtime.close()
    console.print(table)


@app.command("show")
def dlq_show(
    queue: Annotated[str, typer.Argument(help="The dead-letter queue.")],
    limit: Annotated[int, typer.Option(help="At most this many messages.")] = 20,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """The messages in a dead-letter queue, with where they came from and why."""
    runtime = open_runtime(root, state_dir, validate_contracts=False)
    try:
        if queue not in runtime.queues.names():
            raise typer.BadParameter(f"no queue named {queue!r}", param_hint="QUEUE")
        messages = runtime.queues.peek(queue, limit)
    finally:
        runtime.close()
    if not messages:
        console.print(f"{queue} is empty")
    for message in messages:
        sent = datetime.fromtimestamp(message.sent_at, UTC).isoformat(timespec="seconds")
        origin = message.source_queue or "function"
        console.print(f"[bold]{message.message_id}[/bold] from {origin} at {sent}", soft_wrap=True)
        for name, attribute in sorted(message.message_attributes.items()):
            console.print(
                f"  {name}: {attribute.get('StringValue', attribute.get('BinaryValue'))}",
                soft_wrap=True,
            )
        console.print(f"  body: {message.body}", soft_wrap=True)


@app.command("redrive")
def dlq_redrive(
    queue: Annotated[str, typer.Argument(help="The dead-letter queue.")],
    to: Annotated[
        str | None,
        typer.Option("--to", help="Destination queue (default: where each message came from)."),
    ] = None,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """Move a dead-letter queue's messages back to their source queues."""
    runtime = open_runtime(root, state_dir, validate_contracts=False)
    try:
        moved = runtime.queues.redrive(queue, to)
        left = len(runtime.queues.peek(queue, 1_000_000))
    finally:
        runtime.close()
    console.print(
        f"moved {moved} message(s) from {queue}"
        + (f"; {left} without a source queue stay" if left else "")
    )
