"""`diff`: every difference between two schemas, each classified backward/forward."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordermesh_contracts.compat.changes import Change
from ordermesh_contracts.compat.context import Ctx
from ordermesh_contracts.compat.refs import Node, Resolver, Root
from ordermesh_contracts.compat.walker import walk


def _check(schema: Any, name: str) -> None:
    if not isinstance(schema, Mapping | bool):
        raise TypeError(f"{name} schema must be a JSON object or a boolean, not {type(schema)}")


def diff(
    old: Mapping[str, Any], new: Mapping[str, Any], resolver: Resolver | None = None
) -> list[Change]:
    """Every difference between the two schemas, in a deterministic document order.

    ``resolver`` loads the document of a non-local ``$ref`` (given its URI, without fragment);
    local references (``#/definitions/X``) are resolved within each schema. Pointers name the
    place in the new schema (in the old one for things that were removed), at the place where
    a reference is used rather than inside its definition.
    Boolean schemas (true/false) are accepted too.
    """
    _check(old, "old")
    _check(new, "new")
    loaded: dict[str, Root] = {}
    ctx = Ctx(walk)
    ctx.compare(Node(old, Root(old, resolver, loaded)), Node(new, Root(new, resolver, loaded)), "#")
    unique: dict[tuple[str, str, str], Change] = {}
    for change in ctx.changes:
        unique.setdefault((change.type, change.pointer, change.message), change)
    return list(unique.values())
