"""Array keywords: items (schema and tuple forms), additionalItems and unevaluatedItems.

An array schema is modelled as a tuple of position schemas plus a schema for the rest:
``items: S`` is ``([], S)``, ``items: [A, B]`` is ``([A, B], additionalItems)`` and a missing
``items`` is ``([], true)`` (``additionalItems`` is ignored unless ``items`` is a list). The
draft 2020-12 form ``prefixItems: [A, B], items: S`` is ``([A, B], S)``, so the two tuple forms
compare with each other. Where the keyword for the rest is absent, unevaluatedItems (with what
contains matches) is the rest when it can be (see unevaluated.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordermesh_contracts.compat.context import Ctx
from ordermesh_contracts.compat.refs import Node, join
from ordermesh_contracts.compat.scalars import is_number, report_count
from ordermesh_contracts.compat.scope import same_keywords
from ordermesh_contracts.compat.slots import Role, Slot, compare_slot
from ordermesh_contracts.compat.unevaluated import (
    item_rest,
    slot_keyword,
    tuple_keywords,
    unevaluated_items_pair,
)


def _model(node: Node) -> tuple[list[object], Node, str, str]:
    """Position schemas, the rest, the keyword holding the positions and the rest's keyword."""
    keyword, _ = tuple_keywords(node.value)
    positions = node.value[keyword] if keyword else []
    rest, source = item_rest(node)
    return positions, rest, keyword, source


def compare_items(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    old_tuple, old_rest, old_keyword, old_source = _model(old)
    new_tuple, new_rest, new_keyword, new_source = _model(new)
    for index in range(max(len(old_tuple), len(new_tuple))):
        keyword = new_keyword if index < len(new_tuple) else old_keyword
        at = join(pointer, keyword, index)
        label = f"item {index}"
        if index < len(old_tuple) and index < len(new_tuple):
            ctx.compare(old.child(old_tuple[index]), new.child(new_tuple[index]), at)
        elif index < len(new_tuple):
            model, member = old_rest, new.child(new_tuple[index])
            compare_slot(ctx, model, member, at, Slot("ITEM", Role.ADDED, label))
        else:
            member, model = old.child(old_tuple[index]), new_rest
            compare_slot(ctx, member, model, at, Slot("ITEM", Role.REMOVED, label))
    keyword = "additionalItems" if new_keyword == "items" else "items"
    family = "ADDITIONAL_ITEMS" if new_keyword else "ITEMS"
    if slot_keyword(old_source, new_source, keyword) == "unevaluatedItems":
        keyword, family = "unevaluatedItems", "UNEVALUATED_ITEMS"
    old_rest, new_rest = unevaluated_items_pair(old, new) or (old_rest, new_rest)
    slot = Slot(family, Role.KEYWORD, keyword)
    compare_slot(ctx, old_rest, new_rest, join(pointer, keyword), slot)


def _contains_bound(schema: Mapping[str, Any], keyword: str) -> Any:
    """minContains (1 when absent; 0 is no bound) or maxContains (None when absent)."""
    raw = schema.get(keyword, 1 if keyword == "minContains" else None)
    if not is_number(raw) or (keyword == "minContains" and raw <= 0):
        return None
    return raw


def compare_contains_counts(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    """minContains/maxContains bound how many items contains matches. They mean nothing
    without contains; when contains is added, removed or changed, that change (reported by
    value) stands for the whole."""
    if "contains" not in old.value or not same_keywords(old, new, ("contains",)):
        return
    for keyword in ("minContains", "maxContains"):
        counts = _contains_bound(old.value, keyword), _contains_bound(new.value, keyword)
        report_count(ctx, (old, new), pointer, keyword, counts)
