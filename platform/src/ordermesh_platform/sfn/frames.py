"""The frames of an execution: a new frame's record, and the tree of frames below a root.

A frame is one walk through a block of states (``sfn.step``), stored as plain JSON. A Parallel
state holds one child frame per branch (``work["children"]``) and a Map state one per running
iteration (``work["running"]``), at any depth. ``Execution`` (``sfn.interpreter``) creates frames
with ``new_frame`` and steps them; the engine and the Task state look through them with
``walk`` (as ``ast.walk`` walks a tree).
"""

from __future__ import annotations

from typing import Any

from ordermesh_platform.sfn.step import Frame


def new_frame(  # noqa: PLR0913 - a frame's position, its input and where it links in the history
    block: list[Any],
    start: str,
    state_input: Any,
    *,
    variables: dict[str, Any],
    prev: int,
    entered_time: float,
    item: dict[str, Any] | None = None,
) -> Frame:
    """A frame at the state ``start`` of ``block`` (its path in the definition: ``[]`` for the
    top level, then ``States``, a state's name, ``Branches`` and an index, or
    ``ItemProcessor``/``Iterator``), about to enter it."""
    return {
        "block": block,
        "state": start,
        "phase": "enter",
        "input": state_input,
        "vars": variables,
        "prev": prev,
        "entered": 0,
        "entered_time": entered_time,
        "retry": {},
        "retry_count": 0,
        "item": item,
        "status": "running",
        "output": None,
        "error": None,
        "cause": None,
        "wake_at": None,
        "token": None,
        "signal": None,
        "work": {},
    }


def walk(frame: Frame) -> list[Frame]:
    """``frame`` and every frame below it: its branches and iterations, depth first."""
    found = [frame]
    for child in _children(frame):
        found.extend(walk(child))
    return found


def frame_times(frame: Frame) -> list[float | None]:
    """The times the running frames at and below ``frame`` want to run at (None: no such time):
    a Wait or retry back-off, a heartbeat deadline, a Task's TimeoutSeconds."""
    times: list[float | None] = []
    for each in walk(frame):
        if each["status"] != "running":
            continue
        times.append(each.get("wake_at"))
        times.append(each.get("heartbeat_at"))
        times.append((each.get("work") or {}).get("deadline"))
    return times


def _children(frame: Frame) -> list[Frame]:
    work = frame.get("work") or {}
    children: list[Frame] = work.get("children") or work.get("running") or []
    return children
