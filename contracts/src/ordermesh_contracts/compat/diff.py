"""`diff`: every difference between two schemas, each classified backward/forward."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordermesh_contracts.compat.changes import Change
from ordermesh_contracts.compat.context import Ctx
from ordermesh_contracts.compat.dialect import Reading, Slot
from ordermesh_contracts.compat.refs import Loader, Node, Resolver, Root, Run
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
    Boolean schemas (true/false) are accepted too. Each document is read in the dialect its
    ``$schema`` names; where that leaves the meaning open, what any reading finds is reported
    (see dialect.py).
    """
    _check(old, "old")
    _check(new, "new")
    loader = Loader(resolver)
    unique: dict[tuple[str, str, str], Change] = {}
    pending: list[frozenset[Slot]] = [frozenset()]
    done: set[frozenset[Slot]] = set()
    while pending:  # each way of answering the questions the dialects leave open, as met
        no = pending.pop(0)
        done.add(no)
        run = Run(loader, Reading(no))
        ctx = Ctx(walk)
        ctx.compare(Node(old, Root.of(old, run)), Node(new, Root.of(new, run)), "#")
        for change in ctx.changes:
            unique.setdefault((change.type, change.pointer, change.message), change)
        pending += [other for other in run.reading.others() if other not in {*done, *pending}]
    return list(unique.values())
