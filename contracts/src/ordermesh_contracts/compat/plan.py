"""Splitting two schemas into their plain keywords and their combinator groups.

A schema is the conjunction of its plain keywords ("rest") and of each of its allOf, anyOf and
oneOf groups; a $ref whose siblings apply too (2019-09 and later) is one more allOf member. When
both sides use the same combinators, rest is compared with rest and each group with its
counterpart. When a combinator is used on one side only, the other side is
*lifted*: ``S`` is rewritten as ``rest' AND K[S]`` (exactly equivalent, since rest' only keeps
keywords of S), where rest' keeps the keywords the other side's rest also has, so that keywords
that moved into the combinator's subschemas are not reported as removed or added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ordermesh_contracts.compat.keywords import (
    COMBINATORS,
    KEYWORD_GROUPS,
    UNEVALUATED,
    is_constraint,
)
from ordermesh_contracts.compat.refs import Node, in_place_ref, join


@dataclass
class Group:
    """One combinator compared with its counterpart; a lifted side has one subschema."""

    old_kind: str
    old: list[Node]
    new_kind: str
    new: list[Node]
    new_pointers: list[str]
    skip_backward: bool = False  # the direction is implied by the other conjuncts
    skip_forward: bool = False
    lifted: str = field(default="")  # "old" or "new" when that side was lifted


def _combinators(schema: Mapping[str, Any]) -> list[str]:
    return [key for key in COMBINATORS if _members(schema, key)]


def _members(schema: Mapping[str, Any], kind: str) -> list[Any]:
    """The subschemas of a combinator; a $ref still in the schema (its siblings apply too) is
    one more allOf member, the last."""
    raw = schema.get(kind)
    members = list(raw) if isinstance(raw, list) else []
    ref = in_place_ref(schema) if kind == "allOf" else None
    return members if ref is None else [*members, {"$ref": ref}]


def _pointers(schema: Mapping[str, Any], kind: str, pointer: str) -> list[str]:
    """Where each member is reported: a $ref member where the reference is used."""
    raw = schema.get(kind)
    count = len(raw) if isinstance(raw, list) else 0
    pointers = [join(pointer, kind, index) for index in range(count)]
    return pointers + [pointer] * (len(_members(schema, kind)) - count)


def _rest(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key not in {*COMBINATORS, "$ref"}}


def _restrict(rest: dict[str, Any], keep: set[str]) -> tuple[dict[str, Any], bool]:
    keys = set(keep)
    for group in KEYWORD_GROUPS:
        if keys & group:
            keys |= group
    kept = {key: value for key, value in rest.items() if key in keys or not is_constraint(key)}
    return kept, any(is_constraint(key) for key in rest if key not in kept)


def _merge(rest: Mapping[str, Any], branch: Any) -> Any:
    """The conjunction of a schema's plain keywords and one of its subschemas."""
    own = {key: value for key, value in rest.items() if is_constraint(key)}
    if not own or branch is False:
        return branch
    if branch is True:
        return own
    if isinstance(branch, Mapping) and "$ref" not in branch and _separable(own, branch):
        return {**own, **branch}
    return {"allOf": [own, branch]}


def _separable(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    if set(first) & set(second):
        return False
    if UNEVALUATED & {*first, *second}:
        return False  # merged, the other's keywords would change which members they govern
    return not any(group & set(first) and group & set(second) for group in KEYWORD_GROUPS)


def _branches(node: Node, kind: str, rest: Mapping[str, Any] | None = None) -> list[Node]:
    raw = _members(node.value, kind)
    if rest is None:
        return [node.child(item) for item in raw]
    return [node.child(_merge(rest, item)) for item in raw]


def plan(old: Node, new: Node, pointer: str) -> tuple[Node, Node, list[Group]]:
    """Rest nodes of both sides and the combinator groups to compare."""
    old_kinds, new_kinds = _combinators(old.value), _combinators(new.value)
    old_rest, new_rest = _rest(old.value), _rest(new.value)
    groups: list[Group] = []

    def direct(old_kind: str, new_kind: str) -> Group:
        pointers = _pointers(new.value, new_kind, pointer)
        return Group(
            old_kind, _branches(old, old_kind), new_kind, _branches(new, new_kind), pointers
        )

    if old_kinds == new_kinds:
        groups = [direct(kind, kind) for kind in old_kinds]
    elif len(old_kinds) == 1 and len(new_kinds) == 1:
        groups = [direct(old_kinds[0], new_kinds[0])]
    else:
        groups = [direct(kind, kind) for kind in old_kinds if kind in new_kinds]
        groups += _lift(old, new, pointer, (old_rest, new_rest))
        old_rest, new_rest = _lifted_rests(old_kinds, new_kinds, old_rest, new_rest)
    return old.child(old_rest), new.child(new_rest), groups


def _lifted_rests(
    old_kinds: list[str], new_kinds: list[str], old_rest: dict[str, Any], new_rest: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    kept_old, kept_new = old_rest, new_rest
    if set(new_kinds) - set(old_kinds):
        kept_old, _ = _restrict(old_rest, set(new_rest))
    if set(old_kinds) - set(new_kinds):
        kept_new, _ = _restrict(new_rest, set(old_rest))
    return kept_old, kept_new


def _lift(
    old: Node, new: Node, pointer: str, rests: tuple[dict[str, Any], dict[str, Any]]
) -> list[Group]:
    old_rest, new_rest = rests
    old_kinds, new_kinds = _combinators(old.value), _combinators(new.value)
    _, old_dropped = _restrict(old_rest, set(new_rest))
    _, new_dropped = _restrict(new_rest, set(old_rest))
    groups: list[Group] = []
    for kind in new_kinds:
        if kind not in old_kinds:
            pointers = _pointers(new.value, kind, pointer)
            branches = _branches(new, kind, new_rest)
            groups.append(
                Group(
                    kind,
                    [old],
                    kind,
                    branches,
                    pointers,
                    skip_forward=not old_dropped,
                    lifted="old",
                )
            )
    for kind in old_kinds:
        if kind not in new_kinds:
            branches = _branches(old, kind, old_rest)
            groups.append(
                Group(
                    kind,
                    branches,
                    kind,
                    [new],
                    [pointer],
                    skip_backward=not new_dropped,
                    lifted="new",
                )
            )
    return groups
