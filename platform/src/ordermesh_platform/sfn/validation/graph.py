"""The transition graph of a set of states: targets that name no state, states no path reaches,
and a workflow with no terminal state (``MISSING_TRANSITION_TARGET``, ``MISSING_END_STATE``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ordermesh_platform.sfn.validation.messages import MISSING_END_STATE, MISSING_TARGET
from ordermesh_platform.sfn.validation.scope import Context
from ordermesh_platform.sfn.validation.values import child


def _targets(path: str, state: Any) -> Iterator[tuple[str, Any]]:
    if not isinstance(state, dict):
        return
    for name in ("Next", "Default"):
        if name in state:
            yield child(path, name), state[name]
    for name in ("Choices", "Catch"):
        items = state.get(name)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and "Next" in item:
                yield f"{child(path, name)}[{index}]/Next", item["Next"]


def _is_terminal(state: Any) -> bool:
    return isinstance(state, dict) and (
        state.get("Type") in {"Succeed", "Fail"} or state.get("End") is True
    )


def _edges(ctx: Context, states_path: str, states: dict[str, Any]) -> dict[str, list[str]]:
    """Each state's targets; a target naming no state is reported where it is written."""
    edges: dict[str, list[str]] = {}
    for name, state in states.items():
        edges[name] = []
        for at, target in _targets(child(states_path, name), state):
            if isinstance(target, str) and target in states:
                edges[name].append(target)
            elif isinstance(target, str):
                ctx.fail(at, f"Missing 'Next' target: {target}", MISSING_TARGET)
    return edges


def check_graph(ctx: Context, path: str, start: str, states: dict[str, Any]) -> None:
    states_path = child(path, "States")
    if start not in states:
        ctx.fail(child(path, "StartAt"), f"Missing 'Next' target: {start}", MISSING_TARGET)
    edges = _edges(ctx, states_path, states)
    if not any(_is_terminal(state) for state in states.values()):
        # AWS reports no unreachable states once the workflow has no terminal state at all.
        ctx.fail("", "Workflow has no terminal state", MISSING_END_STATE)
        return
    reached: set[str] = set()
    pending = [start] if start in states else []
    while pending:
        name = pending.pop()
        if name not in reached:
            reached.add(name)
            pending.extend(edges[name])
    for name in states:
        if name not in reached:
            ctx.fail(child(states_path, name), f'State "{name}" is not reachable.', MISSING_TARGET)
