"""Array keywords: items (schema and tuple forms) and additionalItems.

An array schema is modelled as a tuple of position schemas plus a schema for the rest:
``items: S`` is ``([], S)``, ``items: [A, B]`` is ``([A, B], additionalItems)`` and a missing
``items`` is ``([], true)`` (``additionalItems`` is ignored unless ``items`` is a list). The
draft 2020-12 form ``prefixItems: [A, B], items: S`` is ``([A, B], S)``, so the two tuple forms
compare with each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordermesh_contracts.compat.context import Ctx
from ordermesh_contracts.compat.refs import Node, join
from ordermesh_contracts.compat.slots import Role, Slot, compare_slot


def _model(schema: Mapping[str, Any]) -> tuple[list[Any], Any, str]:
    """Position schemas, the schema for the rest and the keyword holding the positions."""
    items = schema.get("items", True)
    if isinstance(schema.get("prefixItems"), list):  # draft 2020-12
        return schema["prefixItems"], items, "prefixItems"
    if isinstance(items, list):
        return items, schema.get("additionalItems", True), "items"
    return [], items, ""


def compare_items(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    old_tuple, old_rest, old_keyword = _model(old.value)
    new_tuple, new_rest, new_keyword = _model(new.value)
    for index in range(max(len(old_tuple), len(new_tuple))):
        keyword = new_keyword if index < len(new_tuple) else old_keyword
        at = join(pointer, keyword, index)
        label = f"item {index}"
        if index < len(old_tuple) and index < len(new_tuple):
            ctx.compare(old.child(old_tuple[index]), new.child(new_tuple[index]), at)
        elif index < len(new_tuple):
            model, member = old.child(old_rest), new.child(new_tuple[index])
            compare_slot(ctx, model, member, at, Slot("ITEM", Role.ADDED, label))
        else:
            member, model = old.child(old_tuple[index]), new.child(new_rest)
            compare_slot(ctx, member, model, at, Slot("ITEM", Role.REMOVED, label))
    keyword = "additionalItems" if new_keyword == "items" else "items"
    family = "ADDITIONAL_ITEMS" if new_keyword else "ITEMS"
    at = join(pointer, keyword)
    slot = Slot(family, Role.KEYWORD, keyword)
    compare_slot(ctx, old.child(old_rest), new.child(new_rest), at, slot)
