"""Facts about a single schema: allowed types and values, open or closed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import Enum
from typing import Any

from ordermesh_contracts.compat.keywords import UNEVALUATED, is_constraint
from ordermesh_contracts.compat.refs import Node, in_place_ref, resolve

_MAX_DEPTH = 50  # classify looks this deep through not and $ref (deeper: an unknown schema)
ALL_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_VACUOUS: dict[str, Any] = {
    "properties": {},
    "patternProperties": {},
    "dependencies": {},
    "required": [],
    "minLength": 0,
    "minItems": 0,
    "minProperties": 0,
    "uniqueItems": False,
    "allOf": [],
}


class Kind(Enum):
    OPEN = "open"  # accepts every document
    CLOSED = "closed"  # accepts no document
    SCHEMA = "schema"  # anything in between


def _normalise(types: set[str]) -> frozenset[str]:
    if "number" in types:
        types.add("integer")
    return frozenset(types & ALL_TYPES)


def kind_of(value: Any) -> str:
    kinds: dict[type, str] = {bool: "boolean", int: "integer", str: "string", list: "array"}
    if value is None:
        return "null"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, Mapping):
        return "object"
    return kinds.get(type(value), "null")


def declared_types(schema: Mapping[str, Any]) -> frozenset[str]:
    raw = schema.get("type")
    names = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else None
    if names is None or any(name not in ALL_TYPES for name in names):
        return ALL_TYPES  # absent, or names this checker does not know ("any"): permissive
    return _normalise(set(names))


def values(schema: Mapping[str, Any]) -> list[Any] | None:
    """The values allowed by enum/const (filtered by type), or None when neither is present."""
    allowed: list[Any] | None = None
    if isinstance(schema.get("enum"), list):
        allowed = list(schema["enum"])
    if "const" in schema:
        const = schema["const"]
        keys = {canonical(item) for item in allowed} if allowed is not None else None
        allowed = [const] if keys is None or canonical(const) in keys else []
    if allowed is None:
        return None
    types = declared_types(schema)
    unique: dict[str, Any] = {}
    for item in allowed:
        if kind_of(item) in types:
            unique.setdefault(canonical(item), item)
    return list(unique.values())


def effective_types(schema: Mapping[str, Any]) -> frozenset[str]:
    """A superset of the JSON types of the documents the schema's own keywords accept."""
    types = declared_types(schema)
    allowed = values(schema)
    if allowed is not None:
        types &= _normalise({kind_of(item) for item in allowed})
    return types


def _is_open_value(key: str, value: Any) -> bool:
    if key in {"additionalProperties", "additionalItems", "items", *UNEVALUATED}:
        return value is True or value == {}
    if key == "type":
        return declared_types({"type": value}) == ALL_TYPES
    return key in _VACUOUS and value == _VACUOUS[key] and type(value) is type(_VACUOUS[key])


def classify(node: Node, depth: int = 0) -> Kind:
    node = resolve(node)
    value = node.value
    if node.unresolved is not None or depth > _MAX_DEPTH:
        return Kind.SCHEMA
    if not isinstance(value, Mapping):
        return Kind.CLOSED if value is False else Kind.OPEN
    negated = "not" in value and classify(node.child(value["not"]), depth + 1) is Kind.OPEN
    if negated or not effective_types(value):
        return Kind.CLOSED
    ref = in_place_ref(value)  # the siblings apply too: the schema is both
    referenced = Kind.OPEN if ref is None else classify(node.child({"$ref": ref}), depth + 1)
    if referenced is not Kind.OPEN:
        return referenced
    if all(not is_constraint(key) or _is_open_value(key, item) for key, item in value.items()):
        return Kind.OPEN
    return Kind.SCHEMA


def canonical(value: Any) -> str:
    return json.dumps(_canonical_value(value), sort_keys=True, separators=(",", ":"))


def _canonical_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(key): _canonical_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_value(item) for item in value]
    return value


def schema_dict(node: Node) -> Mapping[str, Any]:
    """The mapping form of a resolved schema node (true and unknown values become {})."""
    value = node.value
    return value if isinstance(value, Mapping) else {}


_SHOWN = 60


def describe(value: Any) -> str:
    text = canonical(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
