"""Comparing "slots": a schema that governs some part of a document, on each side.

A slot's schema is OPEN (accepts anything), CLOSED (false) or a real SCHEMA. Two flavours:

* keyword slots (``items`` in schema form, ``additionalItems``, ``additionalProperties``, and
  ``unevaluatedItems``/``unevaluatedProperties`` where they are the rest): both sides are the
  rest of the content model;
* members (a property, a tuple item or a pattern) added to or removed from a content model:
  one side is the member's schema, the other what the content model says about that member
  (its rest, or the matching ``patternProperties``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ordermesh_contracts.compat.context import Ctx
from ordermesh_contracts.compat.facts import Kind, classify
from ordermesh_contracts.compat.refs import Node


class Role(Enum):
    KEYWORD = "keyword"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class Slot:
    family: str  # PROPERTY, ITEM, PATTERN_PROPERTY, ITEMS, ADDITIONAL_ITEMS, ...
    role: Role
    label: str  # for messages, e.g. "property 'id'"


_MODEL = {Kind.OPEN: "an open", Kind.CLOSED: "a closed", Kind.SCHEMA: "a partially open"}


def compare_slot(ctx: Ctx, old: Node, new: Node, pointer: str, slot: Slot) -> None:
    family, role, label = slot.family, slot.role, slot.label
    before, after = classify(old), classify(new)
    if role is Role.KEYWORD:
        _keyword(ctx, (old, new), (before, after), pointer, family, label)
    else:
        added = role is Role.ADDED
        verb, preposition, text = (
            ("ADDED", "TO", "added to") if added else ("REMOVED", "FROM", "removed from")
        )
        model, member = (before, after) if added else (after, before)
        name = _member_name(model, member, verb, preposition)
        if name is None:
            _partial(ctx, (old, new), pointer, f"{family}_{verb}", label)
        else:
            ctx.emit(f"{family}_{name}", pointer, f"{label} {text} {_MODEL[model]} content model")


def _keyword(
    ctx: Ctx,
    nodes: tuple[Node, Node],
    kinds: tuple[Kind, Kind],
    pointer: str,
    family: str,
    label: str,
) -> None:
    before, after = kinds
    if before is after and before is not Kind.SCHEMA:
        return
    if before is Kind.SCHEMA and after is Kind.SCHEMA:
        ctx.compare(nodes[0], nodes[1], pointer)
        return
    if after is Kind.CLOSED:
        name = "FORBIDDEN"
    elif before is Kind.CLOSED:
        name = "ALLOWED"
    elif before is Kind.OPEN:
        name = "NARROWED"
    else:
        name = "EXTENDED"
    text = f"{label} changed from {before.value} to {after.value}"
    ctx.emit(f"{family}_{name}", pointer, text)


def _member_name(model: Kind, member: Kind, verb: str, preposition: str) -> str | None:
    if model is Kind.OPEN:
        empty = "WITH_EMPTY_SCHEMA_" if member is Kind.OPEN else ""
        return f"{empty}{verb}_{preposition}_OPEN_CONTENT_MODEL"
    if model is Kind.CLOSED:
        false = "WITH_FALSE_" if member is Kind.CLOSED else ""
        return f"{false}{verb}_{preposition}_CLOSED_CONTENT_MODEL"
    return None


def _partial(ctx: Ctx, nodes: tuple[Node, Node], pointer: str, prefix: str, label: str) -> None:
    relation = ctx.relate(nodes[0], nodes[1], pointer)
    ctx.extend(relation.changes)
    covered = "IS_COVERED" if relation.backward else "NOT_COVERED"
    text = f"{label} checked against the partially open content model"
    ctx.emit(f"{prefix}_{covered}_BY_PARTIALLY_OPEN_CONTENT_MODEL", pointer, text)
