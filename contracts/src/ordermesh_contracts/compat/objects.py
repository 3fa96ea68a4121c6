"""Object keywords: the content model (properties, patternProperties, and for the rest
additionalProperties or unevaluatedProperties), required and dependencies."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ordermesh_contracts.compat.context import Ctx
from ordermesh_contracts.compat.facts import Kind, classify
from ordermesh_contracts.compat.refs import Node, join
from ordermesh_contracts.compat.scalars import snake
from ordermesh_contracts.compat.slots import Role, Slot, compare_slot
from ordermesh_contracts.compat.unevaluated import object_rest, slot_keyword


def _mapping(schema: Mapping[str, Any], keyword: str) -> Mapping[str, Any]:
    value = schema.get(keyword)
    return value if isinstance(value, Mapping) else {}


def _names(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Keys in new order, then the keys only the old mapping has, in old order."""
    return [*new, *(key for key in old if key not in new)]


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False


def _effective(node: Node, name: str) -> tuple[Node, tuple[str, ...]]:
    """The schema a property's value must satisfy, and the patterns that contribute to it."""
    schema = node.value
    parts: list[Any] = []
    properties = _mapping(schema, "properties")
    if name in properties:
        parts.append(properties[name])
    patterns = _mapping(schema, "patternProperties")
    matched = tuple(pattern for pattern in patterns if _matches(pattern, name))
    parts.extend(patterns[pattern] for pattern in matched)
    if not parts:
        return object_rest(node)[0], matched
    return node.child(parts[0] if len(parts) == 1 else {"allOf": parts}), matched


def compare_content(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    before, after = _mapping(old.value, "properties"), _mapping(new.value, "properties")
    for name in _names(before, after):
        _compare_property(ctx, (old, new), name, join(pointer, "properties", name))
    before, after = (
        _mapping(old.value, "patternProperties"),
        _mapping(new.value, "patternProperties"),
    )
    for pattern in _names(before, after):
        _compare_pattern(ctx, (old, new), pattern, join(pointer, "patternProperties", pattern))
    (old_rest, old_source), (new_rest, new_source) = object_rest(old), object_rest(new)
    keyword = slot_keyword(old_source, new_source, "additionalProperties")
    slot = Slot(snake(keyword), Role.KEYWORD, keyword)
    compare_slot(ctx, old_rest, new_rest, join(pointer, keyword), slot)


def _compare_property(ctx: Ctx, nodes: tuple[Node, Node], name: str, pointer: str) -> None:
    old, new = nodes
    in_old = name in _mapping(old.value, "properties")
    in_new = name in _mapping(new.value, "properties")
    (old_schema, old_patterns), (new_schema, new_patterns) = (
        _effective(old, name),
        _effective(new, name),
    )
    label = f"property '{name}'"
    if in_old and in_new:
        if old_patterns == new_patterns:
            old_schema = old.child(old.value["properties"][name])
            new_schema = new.child(new.value["properties"][name])
        ctx.compare(old_schema, new_schema, pointer)
    elif in_new:
        compare_slot(ctx, old_schema, new_schema, pointer, Slot("PROPERTY", Role.ADDED, label))
    else:
        slot = Slot("PROPERTY", Role.REMOVED, label)
        compare_slot(ctx, old_schema, new_schema, pointer, slot)


def _compare_pattern(ctx: Ctx, nodes: tuple[Node, Node], pattern: str, pointer: str) -> None:
    old, new = nodes
    before = _mapping(old.value, "patternProperties")
    after = _mapping(new.value, "patternProperties")
    label = f"patternProperties '{pattern}'"
    if pattern in before and pattern in after:
        ctx.compare(old.child(before[pattern]), new.child(after[pattern]), pointer)
        return
    rest_old, rest_new = object_rest(old)[0], object_rest(new)[0]
    if pattern in after:
        schema = new.child(after[pattern])
        compare_slot(ctx, rest_old, schema, pointer, Slot("PATTERN_PROPERTY", Role.ADDED, label))
        if before and classify(schema) is not Kind.OPEN:
            text = f"{label} added; it may overlap the old patterns {sorted(before)}"
            ctx.emit("PATTERN_PROPERTY_ADDED_MAY_OVERLAP", pointer, text)
        return
    schema = old.child(before[pattern])
    compare_slot(ctx, schema, rest_new, pointer, Slot("PATTERN_PROPERTY", Role.REMOVED, label))
    if after and classify(schema) is not Kind.OPEN:
        text = f"{label} removed; it may overlap the new patterns {sorted(after)}"
        ctx.emit("PATTERN_PROPERTY_REMOVED_MAY_OVERLAP", pointer, text)


def _required(schema: Mapping[str, Any]) -> list[str]:
    raw = schema.get("required")
    return [name for name in raw if isinstance(name, str)] if isinstance(raw, list) else []


def compare_required(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    before, after = _required(old.value), _required(new.value)
    at = join(pointer, "required")
    for name in after:
        if name not in before:
            ctx.emit("REQUIRED_PROPERTY_ADDED", at, f"property '{name}' is now required")
    for name in before:
        if name not in after:
            ctx.emit("REQUIRED_PROPERTY_REMOVED", at, f"property '{name}' is no longer required")


def compare_property_names(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    """propertyNames is monotone: a looser name schema accepts more objects."""
    before = old.child(old.value.get("propertyNames", True))
    after = new.child(new.value.get("propertyNames", True))
    ctx.compare(before, after, join(pointer, "propertyNames"))


def compare_dependencies(
    ctx: Ctx, old: Node, new: Node, pointer: str, keyword: str = "dependencies"
) -> None:
    """dependencies (draft 4-7), or dependentRequired / dependentSchemas (2019-09+)."""
    before, after = _mapping(old.value, keyword), _mapping(new.value, keyword)
    for name in _names(before, after):
        at = join(pointer, keyword, name)
        old_dep, new_dep = before.get(name), after.get(name)
        if isinstance(old_dep, list) and isinstance(new_dep, list):
            _compare_dependency_arrays(ctx, old_dep, new_dep, at, name)
        elif old_dep is None and isinstance(new_dep, list):
            _compare_dependency_arrays(ctx, [], new_dep, at, name)
        elif new_dep is None and isinstance(old_dep, list):
            _compare_dependency_arrays(ctx, old_dep, [], at, name)
        else:
            _compare_dependency_schemas(
                ctx, old.child(_as_schema(old_dep)), new.child(_as_schema(new_dep)), at, name
            )


def _as_schema(dependency: Any) -> Any:
    if dependency is None:
        return True
    if isinstance(dependency, list):
        return {"required": dependency}
    return dependency


def _compare_dependency_arrays(
    ctx: Ctx, old: list[Any], new: list[Any], pointer: str, name: str
) -> None:
    before, after = set(map(str, old)), set(map(str, new))
    if before == after:
        return
    if not before:
        kind = "ADDED"
    elif not after:
        kind = "REMOVED"
    elif before < after:
        kind = "EXTENDED"
    elif after < before:
        kind = "NARROWED"
    else:
        kind = "CHANGED"
    text = f"properties required with '{name}' changed from {sorted(before)} to {sorted(after)}"
    ctx.emit(f"DEPENDENCY_ARRAY_{kind}", pointer, text)


def _compare_dependency_schemas(ctx: Ctx, old: Node, new: Node, pointer: str, name: str) -> None:
    before, after = classify(old), classify(new)
    if before is Kind.OPEN and after is Kind.OPEN:
        return
    if before is Kind.OPEN:
        ctx.emit("DEPENDENCY_SCHEMA_ADDED", pointer, f"schema dependency on '{name}' added")
    elif after is Kind.OPEN:
        ctx.emit("DEPENDENCY_SCHEMA_REMOVED", pointer, f"schema dependency on '{name}' removed")
    else:
        ctx.compare(old, new, pointer)
