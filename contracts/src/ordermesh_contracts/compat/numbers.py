"""Numeric keywords: minimum/maximum with both exclusive forms (draft 4 booleans, draft 6
numbers), and multipleOf (compared exactly, as fractions of the decimal text)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ordermesh_contracts.compat.context import Ctx
from ordermesh_contracts.compat.facts import effective_types
from ordermesh_contracts.compat.refs import Node, join
from ordermesh_contracts.compat.scalars import is_number, shown, snake


@dataclass(frozen=True)
class _Bound:
    value: Any
    exclusive: bool
    keyword: str


def _bound(schema: Mapping[str, Any], plain: str, exclusive: str, *, lower: bool) -> _Bound | None:
    found: list[_Bound] = []
    flag = schema.get(exclusive)
    if is_number(schema.get(plain)):
        keyword = exclusive if flag is True else plain
        found.append(_Bound(schema[plain], flag is True, keyword))
    if is_number(flag):
        found.append(_Bound(flag, exclusive=True, keyword=exclusive))
    if not found:
        return None
    sign = 1 if lower else -1
    return max(found, key=lambda bound: (sign * bound.value, bound.exclusive))


def _on_integers(bound: _Bound | None, *, lower: bool) -> tuple[Any, bool] | None:
    """The same bound as an inclusive integer bound (for schemas that only accept integers)."""
    if bound is None:
        return None
    if lower:
        value = math.floor(bound.value) + 1 if bound.exclusive else math.ceil(bound.value)
    else:
        value = math.ceil(bound.value) - 1 if bound.exclusive else math.floor(bound.value)
    return value, False


def _compare_bound(ctx: Ctx, old: Node, new: Node, pointer: str, *, lower: bool) -> None:
    plain, exclusive = ("minimum", "exclusiveMinimum") if lower else ("maximum", "exclusiveMaximum")
    before = _bound(old.value, plain, exclusive, lower=lower)
    after = _bound(new.value, plain, exclusive, lower=lower)
    if before == after:
        return
    if "number" not in effective_types(old.value) & effective_types(new.value) and _on_integers(
        before, lower=lower
    ) == _on_integers(after, lower=lower):
        return
    if after is None or before is None:
        bound, verb = (before, "REMOVED") if after is None else (after, "ADDED")
        if bound is not None:
            text = f"{bound.keyword} {verb.lower()} ({bound.value})"
            ctx.emit(f"{snake(bound.keyword)}_{verb}", join(pointer, bound.keyword), text)
        return
    at = join(pointer, after.keyword)
    text = f"bound changed from {before.keyword} {before.value} to {after.keyword} {after.value}"
    if before.value == after.value:
        verb = "ADDED" if after.exclusive else "REMOVED"
        ctx.emit(f"{snake(exclusive)}_{verb}", join(pointer, exclusive), text)
        return
    verb = "INCREASED" if after.value > before.value else "DECREASED"
    ctx.emit(f"{snake(after.keyword)}_{verb}", at, text)


def compare_minimum(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    _compare_bound(ctx, old, new, pointer, lower=True)


def compare_maximum(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    _compare_bound(ctx, old, new, pointer, lower=False)


def _multiple(node: Node, *, integers_only: bool) -> Fraction | None:
    raw = node.value.get("multipleOf")
    if not is_number(raw) or raw <= 0:
        return None
    value = Fraction(str(raw))
    if integers_only and (1 / value).denominator == 1:
        return None  # every integer is a multiple of 1/k
    return value


def compare_multiple_of(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    integers_only = "number" not in effective_types(old.value) & effective_types(new.value)
    before = _multiple(old, integers_only=integers_only)
    after = _multiple(new, integers_only=integers_only)
    if before == after:
        return
    at = join(pointer, "multipleOf")
    text = f"multipleOf changed from {shown(old.value, 'multipleOf')}"
    text += f" to {shown(new.value, 'multipleOf')}"
    if before is None or after is None:
        ctx.emit("MULTIPLE_OF_ADDED" if before is None else "MULTIPLE_OF_REMOVED", at, text)
    elif (before / after).denominator == 1:
        ctx.emit("MULTIPLE_OF_REDUCED", at, text)
    elif (after / before).denominator == 1:
        ctx.emit("MULTIPLE_OF_EXPANDED", at, text)
    else:
        ctx.emit("MULTIPLE_OF_CHANGED", at, text)
