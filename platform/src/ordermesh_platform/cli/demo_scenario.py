"""``ordermesh demo --scenario NAME``: stage an incident on the running system and wait for its
alert, printed as ``ordermesh alerts tail`` prints it, with how long it took."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import typer
from rich.text import Text

from ordermesh_platform.alerts import ALERT_TOPIC, alert_line, read_alert
from ordermesh_platform.alerts.reading import Alert
from ordermesh_platform.cli.common import console, err_console, find_project, open_runtime
from ordermesh_platform.demo.scenarios import Incident, Request, ScenarioRun, Staged
from ordermesh_platform.demo.traffic import Profile
from ordermesh_platform.runtime.runtime import LocalRuntime
from ordermesh_platform.runtime.topics import Topics
from ordermesh_platform.shared.store import DEFAULT_DIR
from ordermesh_platform.system import ENDPOINTS


def alert_reader(topics: Topics) -> Callable[[], list[Alert]]:
    """Alerts published on the alert topic after now, each once."""
    last = topics.recent(ALERT_TOPIC, 1)
    seq = last[-1].seq if last else 0

    def read() -> list[Alert]:
        nonlocal seq
        found = []
        for message in topics.messages(ALERT_TOPIC, after=seq):
            seq = message.seq
            try:
                found.append(read_alert(message.message))
            except ValueError:
                continue
        return found

    return read


def run_scenario(
    scenario: str,
    *,
    url: str,
    root: Path | None,
    state_dir: Path | None,
    seed: int | None,
    timeout: float,
    request: Request,
) -> None:
    try:
        incident = Incident(scenario)
    except ValueError:
        names = ", ".join(i.value for i in Incident)
        raise typer.BadParameter(
            f"{scenario!r} is not one of {names}", param_hint="--scenario"
        ) from None
    project = find_project(root).root
    state = state_dir or project / DEFAULT_DIR
    try:
        provider_url = json.loads((state / ENDPOINTS).read_text(encoding="utf-8"))["providerUrl"]
    except (OSError, ValueError, KeyError):
        err_console.print(f"[red]✗[/red] no running system in {state}: start it with `make run`")
        raise typer.Exit(1) from None
    runtime: LocalRuntime = open_runtime(root, state_dir, validate_contracts=False)
    try:
        run = ScenarioRun(
            url=url,
            provider_url=provider_url,
            normal=Profile.read(project),
            incident=incident,
            alerts=alert_reader(runtime.topics),
            request=request,
            seed=seed,
            say=lambda line: console.print(line, soft_wrap=True),
        )
        staged = run.run(timeout)
    finally:
        runtime.close()
    _report(staged, timeout)


def _report(staged: Staged, timeout: float) -> None:
    if not staged.alerts or staged.started is None:
        err_console.print(f"[red]✗[/red] no alert within {timeout:.0f} s")
        raise typer.Exit(1)
    for alert, arrived in staged.alerts:
        console.print(Text(f"{alert.time} {alert_line(alert)}"), soft_wrap=True)
        waited = (arrived - staged.started).total_seconds()
        console.print(f"  arrived {waited:.1f} s after the incident's first order")
