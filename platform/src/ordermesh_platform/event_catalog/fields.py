"""An event version's schema as the rows a reader scans: one row per field of the ``detail``.

Paths are spelled as subscriptions' ``reads`` spell them (``data.lines[].sku``, see
``ordermesh_contracts.field_paths``), so a row can say which consumers read its field. The
schema is the bundled one (``$ref`` to its ``definitions``); ``allOf`` members are merged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_MAX_DEPTH = 16
# keyword -> how the constraint reads; the value follows
_CONSTRAINTS = (
    ("format", "format"),
    ("pattern", "pattern"),
    ("minLength", "min length"),
    ("maxLength", "max length"),
    ("minimum", "minimum"),
    ("maximum", "maximum"),
    ("multipleOf", "multiple of"),
    ("minItems", "min items"),
    ("maxItems", "max items"),
    ("minProperties", "min properties"),
    ("maxProperties", "max properties"),
)


@dataclass(frozen=True)
class FieldRow:
    """One field of the detail: where it is, its JSON types, and what the schema says of it."""

    path: str  # data.lines[].sku
    types: tuple[str, ...]  # empty: any type
    required: bool
    constraints: tuple[str, ...]
    description: str
    depth: int  # how many segments deep, for indentation

    @property
    def type_text(self) -> str:
        return " | ".join(self.types) if self.types else "any"


def field_rows(bundled: Mapping[str, Any]) -> list[FieldRow]:
    """Every field under the schema's ``detail``, parents before their children."""
    detail = _resolve(bundled, _resolve(bundled, bundled).get("properties", {}).get("detail"))
    return list(_object_rows(bundled, detail, "", 0))


def _object_rows(
    root: Mapping[str, Any], node: Mapping[str, Any], prefix: str, depth: int
) -> Iterator[FieldRow]:
    if depth > _MAX_DEPTH:
        return
    required = set(node.get("required") or ())
    for name, child_ref in (node.get("properties") or {}).items():
        child = _resolve(root, child_ref)
        path = f"{prefix}{name}"
        description = str(_raw(child_ref).get("description") or child.get("description") or "")
        yield FieldRow(
            path=path,
            types=_types(child),
            required=name in required,
            constraints=tuple(_constraints(root, child)),
            description=description,
            depth=depth,
        )
        yield from _nested_rows(root, child, path, depth)


def _nested_rows(
    root: Mapping[str, Any], node: Mapping[str, Any], path: str, depth: int
) -> Iterator[FieldRow]:
    if node.get("properties"):
        yield from _object_rows(root, node, f"{path}.", depth + 1)
    items = node.get("items")
    if isinstance(items, Mapping):
        item = _resolve(root, items)
        if item.get("properties"):
            yield from _object_rows(root, item, f"{path}[].", depth + 1)


def _constraints(root: Mapping[str, Any], node: Mapping[str, Any]) -> Iterator[str]:
    if "enum" in node:
        yield "one of " + ", ".join(_literal(v) for v in node["enum"])
    for keyword, label in _CONSTRAINTS:
        if keyword in node:
            exclusive = node.get(f"exclusive{keyword.capitalize()}") is True
            yield f"{label} {_literal(node[keyword])}" + (" (exclusive)" if exclusive else "")
    if node.get("uniqueItems") is True:
        yield "unique items"
    if node.get("additionalProperties") is False:
        yield "no other properties"
    items = node.get("items")
    if isinstance(items, Mapping):
        item = _resolve(root, items)
        if not item.get("properties"):
            kinds = " | ".join(_types(item)) or "any"
            extra = list(_constraints(root, item))
            yield f"items: {kinds}" + (f" ({'; '.join(extra)})" if extra else "")


def _literal(value: object) -> str:
    return (
        f'"{value}"'
        if isinstance(value, str)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )


def _types(node: Mapping[str, Any]) -> tuple[str, ...]:
    value = node.get("type")
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _raw(node: Any) -> Mapping[str, Any]:
    return node if isinstance(node, Mapping) else {}


def _resolve(root: Mapping[str, Any], node: Any, depth: int = 0) -> dict[str, Any]:
    """``node`` with local references followed and ``allOf`` members merged into it."""
    node = _deref(root, node)
    if not isinstance(node, Mapping):
        return {}
    merged = {k: v for k, v in node.items() if k != "allOf"}
    for member in node.get("allOf") or () if depth < _MAX_DEPTH else ():
        part = _resolve(root, member, depth + 1)
        merged["properties"] = {**part.get("properties", {}), **merged.get("properties", {})}
        merged["required"] = sorted({*part.get("required", ()), *merged.get("required", ())})
        for key, value in part.items():
            merged.setdefault(key, value)
    return merged


def _deref(root: Mapping[str, Any], node: Any) -> Any:
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#") or ref in seen:
            return None
        seen.add(ref)
        node = root
        for part in filter(None, ref[1:].split("/")):
            node = (
                node.get(part.replace("~1", "/").replace("~0", "~"))
                if isinstance(node, Mapping)
                else None
            )
    return node
