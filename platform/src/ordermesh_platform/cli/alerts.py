"""``ordermesh alerts tail``: the anomaly alerts on the alert topic, as they arrive.

It reads the topic's log in the runtime's store, so it works whether or not ``ordermesh up``
runs (alerts published by a running runtime show up as they are committed).
"""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from rich.text import Text

from ordermesh_platform.alerts import ALERT_TOPIC, alert_line, read_alert
from ordermesh_platform.cli.common import RootOption, StateOption, console, open_runtime
from ordermesh_platform.runtime.topics import TopicMessage

app = typer.Typer(help="Anomaly alerts from the alert topic.", no_args_is_help=True)
SEVERITIES = ("INFO", "WARNING", "CRITICAL")
_COLOURS = {"INFO": "cyan", "WARNING": "yellow", "CRITICAL": "bold red"}


@app.command("tail")
def alerts_tail(
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new alerts.")
    ] = False,
    last: Annotated[int, typer.Option(min=0, help="How many recent alerts to print first.")] = 10,
    severity: Annotated[
        str | None,
        typer.Option(help="Only alerts of this severity or above (INFO, WARNING, CRITICAL)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print each alert's event as JSON.")
    ] = False,
    topic: Annotated[str, typer.Option(help="The topic to read.")] = ALERT_TOPIC,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """Print the alert topic's alerts, newest last (``--follow`` to keep watching)."""
    if severity is not None and severity.upper() not in SEVERITIES:
        raise typer.BadParameter(
            f"{severity!r} is not one of {', '.join(SEVERITIES)}", param_hint="--severity"
        )
    floor = SEVERITIES.index(severity.upper()) if severity else 0
    runtime = open_runtime(root, state_dir, validate_contracts=False)
    seq = 0
    try:
        for message in runtime.topics.recent(topic, last):
            seq = message.seq
            _print(message, floor, as_json=as_json)
        while follow:
            for message in runtime.topics.messages(topic, after=seq):
                seq = message.seq
                _print(message, floor, as_json=as_json)
            time.sleep(0.25)
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()


def _print(message: TopicMessage, floor: int, *, as_json: bool) -> None:
    try:
        alert = read_alert(message.message)
    except ValueError as exc:
        console.print(f"[dim]{message.message_id}: not an alert ({exc})[/dim]", soft_wrap=True)
        return
    rank = SEVERITIES.index(alert.severity) if alert.severity in SEVERITIES else len(SEVERITIES)
    if rank < floor:
        return
    if as_json:
        console.print_json(json.dumps(json.loads(message.message)))
        return
    style = _COLOURS.get(alert.severity, "")
    console.print(Text(f"{alert.time} {alert_line(alert)}", style=style), soft_wrap=True)
