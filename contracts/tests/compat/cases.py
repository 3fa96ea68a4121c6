"""What a table case of the compatibility tests is, and shorthands for the schemas they use."""

from __future__ import annotations

from typing import Any, NamedTuple


class Case(NamedTuple):
    name: str
    old: Any
    new: Any
    backward: bool
    forward: bool
    changes: tuple[str, ...]  # "TYPE #/pointer", in order


def case(name: str, old: Any, new: Any, flags: str, *changes: str) -> Case:
    """flags: "BF" both compatible, "B-" backward only, "-F" forward only, "--" neither."""
    return Case(name, old, new, flags[0] == "B", flags[1] == "F", changes)


S, N, I = {"type": "string"}, {"type": "number"}, {"type": "integer"}  # noqa: E741
NULL, BOOL, OBJ, ARR = {"type": "null"}, {"type": "boolean"}, {"type": "object"}, {"type": "array"}


ACCEPT_ALL: Any = True
REJECT_ALL: Any = False


def obj(props: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, **extra}


def arr(**extra: Any) -> dict[str, Any]:
    return {"type": "array", **extra}


def string(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


def number(**extra: Any) -> dict[str, Any]:
    return {"type": "number", **extra}
