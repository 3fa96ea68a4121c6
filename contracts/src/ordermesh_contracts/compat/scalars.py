"""Keyword handlers for type, enum/const, lengths and counts, pattern, format, uniqueItems."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ordermesh_contracts.compat.context import Ctx
from ordermesh_contracts.compat.facts import canonical, describe, effective_types, values
from ordermesh_contracts.compat.keywords import UNSUPPORTED
from ordermesh_contracts.compat.refs import Node, join
from ordermesh_contracts.compat.scope import same_keywords


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def snake(keyword: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", keyword).upper()


def shown(schema: Mapping[str, Any], keyword: str) -> str:
    return describe(schema[keyword]) if keyword in schema else "(absent)"


def compare_type(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    before, after = effective_types(old.value), effective_types(new.value)
    if before == after:
        return
    backward, forward = before <= after, after <= before
    name = "TYPE_EXTENDED" if backward else "TYPE_NARROWED" if forward else "TYPE_CHANGED"
    text = f"type changed from {shown(old.value, 'type')} to {shown(new.value, 'type')}"
    ctx.emit(name, join(pointer, "type"), text)


_FINITE: dict[str, list[Any]] = {"boolean": [True, False], "null": [None]}


def _covers_domain(schema: Mapping[str, Any], allowed: list[Any]) -> bool:
    """True when the old schema's types are finite and every such value is still allowed."""
    types = effective_types(schema)
    if not types or not types <= set(_FINITE):
        return False
    keys = {canonical(item) for item in allowed}
    return all(canonical(item) in keys for kind in types for item in _FINITE[kind])


def _values_keyword(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    for schema in (new, old):
        for keyword in ("enum", "const"):
            if keyword in schema:
                return keyword
    return "enum"


def compare_values(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    before, after = values(old.value), values(new.value)
    if before is None and after is None:
        return
    prefix = "ENUM" if "enum" in old.value or "enum" in new.value else "CONST"
    keyword = _values_keyword(old.value, new.value)
    at = join(pointer, keyword)
    if before is None:
        if after is not None and not _covers_domain(old.value, after):
            ctx.emit(f"{prefix}_ADDED", at, f"{keyword} added: {describe(after)}")
        return
    if after is None:
        ctx.emit(f"{prefix}_REMOVED", at, f"{keyword} removed (was {describe(before)})")
        return
    old_keys, new_keys = {canonical(v) for v in before}, {canonical(v) for v in after}
    if old_keys == new_keys:
        return
    backward, forward = old_keys <= new_keys, new_keys <= old_keys
    name = "ENUM_EXTENDED" if backward else "ENUM_NARROWED" if forward else f"{prefix}_CHANGED"
    added = [v for v in after if canonical(v) not in old_keys]
    removed = [v for v in before if canonical(v) not in new_keys]
    parts = [
        f"{label} {describe(vs)}" for label, vs in (("added", added), ("removed", removed)) if vs
    ]
    ctx.emit(name, at, "allowed values: " + "; ".join(parts))


def _count(schema: Mapping[str, Any], keyword: str) -> int | None:
    raw = schema.get(keyword)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    if keyword.startswith("min") and raw <= 0:
        return None
    return int(raw)


def _appeared(before: object) -> str:
    """The verb for a keyword that only one side has: ADDED when the old side lacks it."""
    return "ADDED" if before is None else "REMOVED"


def compare_counts(ctx: Ctx, old: Node, new: Node, pointer: str, keyword: str) -> None:
    counts = _count(old.value, keyword), _count(new.value, keyword)
    report_count(ctx, (old, new), pointer, keyword, counts)


def report_count(
    ctx: Ctx, nodes: tuple[Node, Node], pointer: str, keyword: str, counts: tuple[Any, Any]
) -> None:
    """A size bound's change, given both bounds (None: no bound)."""
    before, after = counts
    if before == after:
        return
    if before is None or after is None:
        verb = _appeared(before)
    else:
        verb = "INCREASED" if after > before else "DECREASED"
    old, new = nodes[0].value, nodes[1].value
    text = f"{keyword} changed from {shown(old, keyword)} to {shown(new, keyword)}"
    ctx.emit(f"{snake(keyword)}_{verb}", join(pointer, keyword), text)


def compare_plain(ctx: Ctx, old: Node, new: Node, pointer: str, keyword: str) -> None:
    """Keywords compared by value only: pattern, format, uniqueItems."""
    before, after = old.value.get(keyword), new.value.get(keyword)
    if keyword == "uniqueItems":
        before, after = (before is True) or None, (after is True) or None
    if before == after:
        return
    verb = "CHANGED" if before is not None and after is not None else _appeared(before)
    text = f"{keyword} changed from {shown(old.value, keyword)} to {shown(new.value, keyword)}"
    ctx.emit(f"{snake(keyword)}_{verb}", join(pointer, keyword), text)


def compare_unsupported(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    for keyword in sorted(UNSUPPORTED):
        in_old, in_new = keyword in old.value, keyword in new.value
        if not in_old and not in_new:
            continue
        if in_old and in_new and same_keywords(old, new, (keyword,)):
            continue
        verb = "CHANGED" if in_old and in_new else "ADDED" if in_new else "REMOVED"
        text = f"{keyword} {verb.lower()}; this keyword is compared conservatively"
        ctx.emit(f"UNSUPPORTED_KEYWORD_{verb}", join(pointer, keyword), text)
