"""``ordermesh trace <orderId>``: one order's causal chain across every service, as a waterfall
(``--json`` for tools), read from the runtime's state and the payment provider's ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ordermesh_platform.cli.common import RootOption, StateOption, console, open_runtime
from ordermesh_platform.system import ENDPOINTS
from ordermesh_platform.trace.build import build_trace
from ordermesh_platform.trace.render import render
from ordermesh_platform.trace.sources import provider_calls


def trace(
    order_id: Annotated[str, typer.Argument(help="The order's id (its correlation id).")],
    as_json: Annotated[bool, typer.Option("--json", help="The trace as JSON, for tools.")] = False,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """Follow one order: its events by causation, each delivery and handler invocation with its
    duration, retries and dead letters, the saga's states and the payment provider's calls.
    Events whose cause cannot be found are marked as gaps."""
    runtime = open_runtime(root, state_dir, validate_contracts=False)
    try:
        calls, note = provider_calls(_provider_url(runtime.store.path.parent), order_id)
        found = build_trace(runtime, order_id, calls, [note] if note else [])
    finally:
        runtime.close()
    if as_json:
        typer.echo(json.dumps(found.to_json(), indent=2))
    else:
        console.print(render(found))
    if not found.spans:
        raise typer.Exit(1)


def _provider_url(state: Path) -> str | None:
    """The provider URL of the system running on this state folder (``ordermesh up``)."""
    try:
        url = json.loads((state / ENDPOINTS).read_text(encoding="utf-8")).get("providerUrl")
    except (OSError, ValueError):
        return None
    return url if isinstance(url, str) else None
