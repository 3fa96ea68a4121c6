"""The structural comparison: resolves references, handles true/false schemas and dispatches
each keyword (or group of keywords that only mean something together) to its handler."""

from __future__ import annotations

from collections.abc import Callable

from ordermesh_contracts.compat.arrays import compare_contains_counts, compare_items
from ordermesh_contracts.compat.combinators import compare_group, compare_not
from ordermesh_contracts.compat.context import Ctx
from ordermesh_contracts.compat.facts import (
    Kind,
    canonical,
    classify,
    effective_types,
    schema_dict,
)
from ordermesh_contracts.compat.keywords import APPLIES_TO, UNSUPPORTED
from ordermesh_contracts.compat.numbers import (
    compare_maximum,
    compare_minimum,
    compare_multiple_of,
)
from ordermesh_contracts.compat.objects import (
    compare_content,
    compare_dependencies,
    compare_property_names,
    compare_required,
)
from ordermesh_contracts.compat.plan import plan
from ordermesh_contracts.compat.refs import Node, resolve
from ordermesh_contracts.compat.scalars import (
    compare_counts,
    compare_plain,
    compare_type,
    compare_unsupported,
    compare_values,
)
from ordermesh_contracts.compat.unevaluated import settle

Handler = Callable[[Ctx, Node, Node, str], None]


def _counts(keyword: str) -> Handler:
    def handler(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
        compare_counts(ctx, old, new, pointer, keyword)

    return handler


def _dependencies(keyword: str) -> Handler:
    def handler(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
        compare_dependencies(ctx, old, new, pointer, keyword)

    return handler


def _plain(keyword: str) -> Handler:
    def handler(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
        compare_plain(ctx, old, new, pointer, keyword)

    return handler


# Handlers in reporting order, with the keywords that trigger them.
HANDLERS: tuple[tuple[tuple[str, ...], Handler], ...] = (
    (("type",), compare_type),
    (("enum", "const"), compare_values),
    (("minimum", "exclusiveMinimum"), compare_minimum),
    (("maximum", "exclusiveMaximum"), compare_maximum),
    (("multipleOf",), compare_multiple_of),
    (("minLength",), _counts("minLength")),
    (("maxLength",), _counts("maxLength")),
    (("pattern",), _plain("pattern")),
    (("format",), _plain("format")),
    (("required",), compare_required),
    (
        ("properties", "patternProperties", "additionalProperties", "unevaluatedProperties"),
        compare_content,
    ),
    (("dependencies",), _dependencies("dependencies")),
    (("dependentRequired",), _dependencies("dependentRequired")),
    (("dependentSchemas",), _dependencies("dependentSchemas")),
    (("propertyNames",), compare_property_names),
    (("minProperties",), _counts("minProperties")),
    (("maxProperties",), _counts("maxProperties")),
    (("items", "additionalItems", "prefixItems", "unevaluatedItems"), compare_items),
    (("minItems",), _counts("minItems")),
    (("maxItems",), _counts("maxItems")),
    (("uniqueItems",), _plain("uniqueItems")),
    (("minContains", "maxContains"), compare_contains_counts),
    (("not",), compare_not),
    (tuple(sorted(UNSUPPORTED)), compare_unsupported),
)


def walk(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    old, new = resolve(old), resolve(new)
    if old.unresolved is not None or new.unresolved is not None:
        if old.unresolved != new.unresolved:
            before, after = old.unresolved or "a schema", new.unresolved or "a schema"
            text = f"unresolved $ref: changed from {before} to {after}"
            ctx.emit("UNRESOLVED_REF_CHANGED", pointer, text)
        return
    if old.value is new.value and old.root is new.root:
        return
    key = (id(old.value), id(new.value))
    if key in ctx.active:
        return  # already being compared higher up: assume it holds (recursive schemas)
    ctx.active.add(key)
    try:
        _compare(ctx, old, new, pointer)
    finally:
        ctx.active.discard(key)


def _compare(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    before, after = classify(old), classify(new)
    if before is after and before is not Kind.SCHEMA:
        return
    if after is Kind.CLOSED:
        ctx.emit("SCHEMA_CHANGED_TO_FALSE", pointer, "the schema now rejects every document")
        return
    if before is Kind.CLOSED:
        ctx.emit("SCHEMA_CHANGED_FROM_FALSE", pointer, "the schema used to reject every document")
        return
    old_schema, new_schema = schema_dict(old), schema_dict(new)
    text = canonical(old_schema)
    if text == canonical(new_schema) and '"$ref"' not in text:
        return
    settled = settle(ctx, old.child(old_schema), new.child(new_schema), pointer)
    old_rest, new_rest, groups = plan(*settled, pointer)
    _compare_keywords(ctx, old_rest, new_rest, pointer)
    for group in groups:
        compare_group(ctx, group, pointer)


def _compare_keywords(ctx: Ctx, old: Node, new: Node, pointer: str) -> None:
    shared = effective_types(old.value) & effective_types(new.value)
    for keywords, handler in HANDLERS:
        if not any(key in old.value or key in new.value for key in keywords):
            continue
        applies = APPLIES_TO.get(keywords[0])
        if applies is not None and not applies & shared:
            continue  # the keyword cannot bite on any document both schemas accept
        handler(ctx, old, new, pointer)
