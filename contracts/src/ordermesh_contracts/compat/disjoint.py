"""Proving that two schemas accept no common document (needed to reason about oneOf)."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations
from typing import Any

from ordermesh_contracts.compat.facts import (
    Kind,
    canonical,
    classify,
    effective_types,
    schema_dict,
    values,
)
from ordermesh_contracts.compat.refs import Node, in_place_ref, resolve

_MAX_DEPTH = 6


def all_disjoint(nodes: list[Node]) -> bool:
    return all(disjoint(a, b) for a, b in combinations(nodes, 2))


def disjoint(a: Node, b: Node, depth: int = 0) -> bool:
    """True only when no document can be valid under both schemas (False = unknown)."""
    if depth > _MAX_DEPTH:
        return False
    a, b = resolve(a), resolve(b)
    kinds = {classify(a), classify(b)}
    if Kind.CLOSED in kinds:
        return True
    if Kind.OPEN in kinds:
        return False
    left, right = schema_dict(a), schema_dict(b)
    shared = effective_types(left) & effective_types(right)
    return (
        not shared
        or _values_disjoint(left, right)
        or _branches_disjoint(a, b, depth)
        or _branches_disjoint(b, a, depth)
        or (shared <= {"object"} and _required_property_disjoint(a, b, depth))
    )


def _values_disjoint(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    first, second = values(left), values(right)
    if first is None or second is None:
        return False
    return not {canonical(item) for item in first} & {canonical(item) for item in second}


def _branches(node: Node, keyword: str) -> list[Node]:
    schema = schema_dict(node)
    raw = schema.get(keyword)
    branches = [node.child(item) for item in raw] if isinstance(raw, list) else []
    ref = in_place_ref(schema) if keyword == "allOf" else None
    return branches if ref is None else [*branches, node.child({"$ref": ref})]


def _branches_disjoint(a: Node, b: Node, depth: int) -> bool:
    if any(disjoint(branch, b, depth + 1) for branch in _branches(a, "allOf")):
        return True
    for keyword in ("anyOf", "oneOf"):
        branches = _branches(a, keyword)
        if branches and all(disjoint(branch, b, depth + 1) for branch in branches):
            return True
    return False


def _required_property_disjoint(a: Node, b: Node, depth: int) -> bool:
    """Both require a property whose schemas are disjoint (a discriminator)."""
    left, right = schema_dict(a), schema_dict(b)
    required = _required(left) & _required(right)
    left_props, right_props = left.get("properties"), right.get("properties")
    if not isinstance(left_props, Mapping) or not isinstance(right_props, Mapping):
        return False
    return any(
        name in left_props
        and name in right_props
        and disjoint(a.child(left_props[name]), b.child(right_props[name]), depth + 1)
        for name in sorted(required)
    )


def _required(schema: Mapping[str, Any]) -> set[str]:
    raw = schema.get("required")
    return {item for item in raw if isinstance(item, str)} if isinstance(raw, list) else set()
