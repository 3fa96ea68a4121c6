"""Table cases where the dialect ($schema) decides what a schema means.

Beside $ref, keywords apply in 2019-09 and later (the reference is one more allOf member) and
are ignored in draft 4 to 7. In 2019-09 the items contains matches are not evaluated as its
text reads, and are as some of its validators read it, so both readings must agree. Without
$schema, every reading must agree.
"""

from __future__ import annotations

from typing import Any

from .cases import I, S, arr, case, obj, string

DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"
DRAFT_2019 = "https://json-schema.org/draft/2019-09/schema"
DRAFT_7 = "http://json-schema.org/draft-07/schema#"
OBJECT = {"type": "object"}
BASE_A = {"properties": {"a": S}}
DEFS_I = {"$schema": DRAFT_2020, "$defs": {"base": I}}


def beside_ref(base: Any, dialect: str | None = DRAFT_2020, **siblings: Any) -> dict[str, Any]:
    """A schema whose $ref to ``base`` has the siblings; without a dialect, in draft 4 style."""
    if dialect is None:
        return {"definitions": {"base": base}, "$ref": "#/definitions/base", **siblings}
    return {"$schema": dialect, "$defs": {"base": base}, "$ref": "#/$defs/base", **siblings}


def in_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema with its $ref written as an allOf member."""
    rest = {key: value for key, value in schema.items() if key != "$ref"}
    return {**rest, "allOf": [{"$ref": schema["$ref"]}]}


def _tuple_2019(*items: Any, **extra: Any) -> dict[str, Any]:
    return {"$schema": DRAFT_2019, "type": "array", "items": list(items), **extra}


REF_SIBLING_CASES = [
    case(
        "property beside $ref changed",
        beside_ref(OBJECT, properties={"n": I}),
        beside_ref(OBJECT, properties={"n": S}),
        "--",
        "TYPE_CHANGED #/properties/n/type",
    ),
    case(
        "keyword added beside $ref",
        beside_ref(OBJECT),
        beside_ref(OBJECT, maxProperties=3),
        "-F",
        "MAX_PROPERTIES_ADDED #/maxProperties",
        "PRODUCT_TYPE_EXTENDED #",
    ),
    case(
        "required removed beside $ref",
        beside_ref(OBJECT, required=["n"]),
        beside_ref(OBJECT),
        "B-",
        "REQUIRED_PROPERTY_REMOVED #/required",
        "PRODUCT_TYPE_NARROWED #",
    ),
    case(
        "target behind $ref narrowed beside siblings",
        beside_ref(BASE_A, properties={"n": I}),
        beside_ref({"properties": {"a": string(maxLength=3)}}, properties={"n": I}),
        "-F",
        "MAX_LENGTH_ADDED #/properties/a/maxLength",
    ),
    case(
        "$ref beside keywords written as allOf",
        beside_ref(OBJECT, properties={"n": I}),
        in_all_of(beside_ref(OBJECT, properties={"n": I})),
        "BF",
    ),
    case(
        "minimum beside a nested $ref lowered",
        obj(
            {"p": {"$ref": "#/$defs/base", "minimum": 1}},
            **DEFS_I,
        ),
        obj(
            {"p": {"$ref": "#/$defs/base", "minimum": 0}},
            **DEFS_I,
        ),
        "B-",
        "MINIMUM_DECREASED #/properties/p/minimum",
    ),
    case(
        "property added beside $ref under unevaluatedProperties is undecided",
        beside_ref(BASE_A, unevaluatedProperties=False),
        beside_ref(BASE_A, properties={"b": S}, unevaluatedProperties=False),
        "--",
        "UNEVALUATED_PROPERTIES_UNDECIDED #/unevaluatedProperties",
        "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/b",
    ),
    case(
        "property added behind $ref under unevaluatedProperties is undecided",
        beside_ref(BASE_A, unevaluatedProperties=False),
        beside_ref({"properties": {"a": S, "c": S}}, unevaluatedProperties=False),
        "--",
        "UNEVALUATED_PROPERTIES_UNDECIDED #/unevaluatedProperties",
        "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/c",
    ),
    case(
        "property narrowed beside $ref under unevaluatedProperties",
        beside_ref(BASE_A, properties={"b": S}, unevaluatedProperties=False),
        beside_ref(BASE_A, properties={"b": string(maxLength=3)}, unevaluatedProperties=False),
        "-F",
        "MAX_LENGTH_ADDED #/properties/b/maxLength",
    ),
    case(
        "unevaluatedProperties beside $ref written as allOf",
        beside_ref(BASE_A, unevaluatedProperties=False),
        in_all_of(beside_ref(BASE_A, unevaluatedProperties=False)),
        "BF",
    ),
    case(
        "keywords beside $ref in draft 7 are ignored",
        {**beside_ref(OBJECT, None, properties={"n": I}), "$schema": DRAFT_7},
        {**beside_ref(OBJECT, None, properties={"n": S}), "$schema": DRAFT_7},
        "BF",
    ),
    case(
        "property beside $ref changed without $schema",
        beside_ref(OBJECT, None, properties={"n": I}),
        beside_ref(OBJECT, None, properties={"n": S}),
        "--",
        "TYPE_CHANGED #/properties/n/type",
    ),
]

CONTAINS_2019_CASES = [
    case(
        "2019-09 unevaluatedItems beside contains loosened",
        _tuple_2019(S, contains=S, unevaluatedItems=False),
        _tuple_2019(S, contains=S, unevaluatedItems=S),
        "B-",
        "UNEVALUATED_ITEMS_ALLOWED #/unevaluatedItems",
    ),
    case(
        "2019-09 tuple member added where contains matched",
        _tuple_2019(S, contains=I, unevaluatedItems=False),
        _tuple_2019(S, I, contains=I, unevaluatedItems=False),
        "B-",
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/1",
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/items/1",
    ),
    case(
        "tuple member added where contains matched, without $schema",
        arr(prefixItems=[S], contains=I, unevaluatedItems=False),
        arr(prefixItems=[S, I], contains=I, unevaluatedItems=False),
        "B-",
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/prefixItems/1",
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/prefixItems/1",
    ),
]

DIALECT_CASES = [*REF_SIBLING_CASES, *CONTAINS_2019_CASES]
