"""Keywords of later JSON Schema drafts written into a draft 4 contract.

A contract is a draft 4 schema (the EventBridge registry's ``JSONSchemaDraft4``). The draft 4
meta-schema allows any other keyword, and draft 4 validators ignore what they do not know, so a
later draft's keyword in a contract (``const``, ``if``, ``unevaluatedProperties``, ...) looks like
a constraint but constrains nothing, and the compatibility checker, which reads it with its later
meaning, would judge a change by a rule that no validator applies. ``later_keywords`` finds each
one by its JSON pointer, walking only schema positions, so a property *named* ``if`` is not one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

# Keywords that change validation in draft 6 and later; annotations (examples, $comment) are left.
LATER_KEYWORDS: Final = {
    "const": "draft 6",
    "contains": "draft 6",
    "propertyNames": "draft 6",
    "exclusiveMinimum": "draft 6 (as a number)",
    "exclusiveMaximum": "draft 6 (as a number)",
    "if": "draft 7",
    "then": "draft 7",
    "else": "draft 7",
    "$defs": "2019-09",
    "$anchor": "2019-09",
    "$recursiveRef": "2019-09",
    "dependentRequired": "2019-09",
    "dependentSchemas": "2019-09",
    "minContains": "2019-09",
    "maxContains": "2019-09",
    "unevaluatedItems": "2019-09",
    "unevaluatedProperties": "2019-09",
    "prefixItems": "2020-12",
    "$dynamicRef": "2020-12",
    "$dynamicAnchor": "2020-12",
}
_ONE: Final = ("additionalItems", "additionalProperties", "not")
_MANY: Final = ("allOf", "anyOf", "oneOf")
_NAMED: Final = ("properties", "patternProperties", "definitions")


def later_keywords(schema: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Each later-draft keyword in ``schema``: its JSON pointer and the draft that defines it."""
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        if key in LATER_KEYWORDS and not _draft4_boolean_bound(key, value):
            yield f"{pointer}/{_escape(key)}", LATER_KEYWORDS[key]
    for member, where in _subschemas(schema, pointer):
        yield from later_keywords(member, where)


def _subschemas(schema: dict[str, Any], pointer: str) -> Iterator[tuple[Any, str]]:
    """The draft 4 subschemas of ``schema``, each with its pointer."""
    for key in _ONE:
        yield schema.get(key), f"{pointer}/{key}"
    for key in _MANY:
        for index, member in enumerate(_list(schema.get(key))):
            yield member, f"{pointer}/{key}/{index}"
    for key in (*_NAMED, "dependencies"):  # a dependency's array of names is no schema
        for name, member in _dict(schema.get(key)).items():
            yield member, f"{pointer}/{key}/{_escape(name)}"
    items = schema.get("items")
    if isinstance(items, list):
        for index, member in enumerate(items):
            yield member, f"{pointer}/items/{index}"
    else:
        yield items, f"{pointer}/items"


def _draft4_boolean_bound(key: str, value: Any) -> bool:
    """``exclusiveMinimum: true`` is draft 4's own form (a flag on ``minimum``)."""
    return key in {"exclusiveMinimum", "exclusiveMaximum"} and isinstance(value, bool)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")
