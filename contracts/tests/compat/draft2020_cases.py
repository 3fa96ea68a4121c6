"""Table cases for draft 2020-12 keywords: unevaluatedProperties / unevaluatedItems, and contains
with minContains / maxContains.

Without in-place applicators beside them, they are the content model's rest (as
additionalProperties and items after prefixItems are), and contains marks the items it matches
as evaluated. Beside allOf/anyOf/oneOf, if/then/else or dependentSchemas, which members they
govern depends on which subschemas validate: any change to what decides that is reported as
breaking both ways (UNEVALUATED_*_UNDECIDED); changes elsewhere are compared as usual.
"""

from __future__ import annotations

import copy
from typing import Any

from .cases import I, N, S, arr, case, obj, string

DRAFT_2020 = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
A = {"a": S}
A_B = {"a": S, "b": S}
CLOSED_A = obj(A, unevaluatedProperties=False)
CLOSED_A_B = obj(A_B, unevaluatedProperties=False)
BASE = {"properties": A}
BEHIND_ALL_OF = {"allOf": [BASE], "unevaluatedProperties": False}
WITH_B = {"allOf": [BASE], "properties": {"b": S}, "unevaluatedProperties": False}


def _defs(base: dict[str, Any]) -> dict[str, Any]:
    return {
        "$defs": {"base": base},
        "allOf": [{"$ref": "#/$defs/base"}],
        "properties": {"b": S},
        "unevaluatedProperties": False,
    }


IF_K_THEN_X = {
    "if": {"required": ["k"]},
    "then": {"properties": {"x": S}},
    "properties": {"k": {}},
    "unevaluatedProperties": False,
}
DEPENDENT_X = {"dependentSchemas": {"k": {"properties": {"x": S}}}, "properties": {"k": {}}}

PROPERTY_CASES = [
    case(
        "property added under unevaluatedProperties false",
        CLOSED_A,
        CLOSED_A_B,
        "B-",
        "PROPERTY_ADDED_TO_CLOSED_CONTENT_MODEL #/properties/b",
    ),
    case(
        "property removed under unevaluatedProperties false",
        CLOSED_A_B,
        CLOSED_A,
        "-F",
        "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/b",
    ),
    case(
        "property added covered by unevaluatedProperties",
        obj(A, unevaluatedProperties=S),
        obj(A_B, unevaluatedProperties=S),
        "BF",
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/b",
    ),
    case(
        "property added not covered by unevaluatedProperties",
        obj(A, unevaluatedProperties=S),
        obj({"a": S, "b": I}, unevaluatedProperties=S),
        "--",
        "TYPE_CHANGED #/properties/b/type",
        "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/b",
    ),
    case(
        "pattern property added under unevaluatedProperties false",
        CLOSED_A,
        obj(A, patternProperties={"^x": S}, unevaluatedProperties=False),
        "B-",
        "PATTERN_PROPERTY_ADDED_TO_CLOSED_CONTENT_MODEL #/patternProperties/^x",
    ),
    case(
        "unevaluatedProperties false is additionalProperties false",
        CLOSED_A,
        obj(A, additionalProperties=False),
        "BF",
    ),
    case(
        "unevaluatedProperties added",
        obj(A),
        CLOSED_A,
        "-F",
        "UNEVALUATED_PROPERTIES_FORBIDDEN #/unevaluatedProperties",
    ),
    case(
        "unevaluatedProperties loosened",
        CLOSED_A,
        obj(A, unevaluatedProperties=S),
        "B-",
        "UNEVALUATED_PROPERTIES_ALLOWED #/unevaluatedProperties",
    ),
    case(
        "unevaluatedProperties narrowed",
        obj(A, unevaluatedProperties=N),
        obj(A, unevaluatedProperties=I),
        "-F",
        "TYPE_NARROWED #/unevaluatedProperties/type",
    ),
    case(
        "unevaluatedProperties removed",
        obj(A, unevaluatedProperties=S),
        obj(A),
        "B-",
        "UNEVALUATED_PROPERTIES_EXTENDED #/unevaluatedProperties",
    ),
    case(
        "unevaluatedProperties has no effect beside additionalProperties",
        obj(A, additionalProperties=S, unevaluatedProperties=False),
        obj(A, additionalProperties=S),
        "BF",
    ),
    case(
        "property added to a nested object under unevaluatedProperties false",
        obj({"data": CLOSED_A}),
        obj({"data": CLOSED_A_B}),
        "B-",
        "PROPERTY_ADDED_TO_CLOSED_CONTENT_MODEL #/properties/data/properties/b",
    ),
]

APPLICATOR_PROPERTY_CASES = [
    case(
        "property added beside allOf under unevaluatedProperties is undecided",
        BEHIND_ALL_OF,
        WITH_B,
        "--",
        "UNEVALUATED_PROPERTIES_UNDECIDED #/unevaluatedProperties",
        "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/b",
    ),
    case(
        "property narrowed beside allOf under unevaluatedProperties",
        WITH_B,
        {**WITH_B, "properties": {"b": string(maxLength=3)}},
        "-F",
        "MAX_LENGTH_ADDED #/properties/b/maxLength",
    ),
    case(
        "required added beside anyOf under unevaluatedProperties",
        {"anyOf": [BASE, {"properties": {"c": N}}], "unevaluatedProperties": False},
        {
            "anyOf": [BASE, {"properties": {"c": N}}],
            "unevaluatedProperties": False,
            "required": ["a"],
        },
        "-F",
        "REQUIRED_PROPERTY_ADDED #/required",
    ),
    case(
        "unevaluatedProperties beside a referenced allOf unchanged",
        _defs(BASE),
        copy.deepcopy(_defs(BASE)),
        "BF",
    ),
    case(
        "definition behind allOf widened under unevaluatedProperties is undecided",
        _defs(BASE),
        _defs({"properties": {"a": S, "c": S}}),
        "--",
        "UNEVALUATED_PROPERTIES_UNDECIDED #/unevaluatedProperties",
        "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/allOf/0/properties/c",
    ),
    case(
        "property added beside if/then under unevaluatedProperties is undecided",
        IF_K_THEN_X,
        {**IF_K_THEN_X, "properties": {"k": {}, "y": S}},
        "--",
        "UNEVALUATED_PROPERTIES_UNDECIDED #/unevaluatedProperties",
        "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/y",
    ),
    case(
        "unevaluatedProperties loosened beside dependentSchemas is undecided",
        {**DEPENDENT_X, "unevaluatedProperties": False},
        {**DEPENDENT_X, "unevaluatedProperties": S},
        "--",
        "UNEVALUATED_PROPERTIES_UNDECIDED #/unevaluatedProperties",
    ),
]

ITEM_CASES = [
    case(
        "last prefixItems member removed under unevaluatedItems",
        arr(prefixItems=[S, I, I], unevaluatedItems=S),
        arr(prefixItems=[S, I], unevaluatedItems=S),
        "--",
        "TYPE_CHANGED #/prefixItems/2/type",
        "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/prefixItems/2",
    ),
    case(
        "prefixItems member added under unevaluatedItems false",
        arr(prefixItems=[S], unevaluatedItems=False),
        arr(prefixItems=[S, I], unevaluatedItems=False),
        "B-",
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/prefixItems/1",
    ),
    case(
        "prefixItems member removed under unevaluatedItems false",
        arr(prefixItems=[S, I], unevaluatedItems=False),
        arr(prefixItems=[S], unevaluatedItems=False),
        "-F",
        "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL #/prefixItems/1",
    ),
    case(
        "unevaluatedItems false is items false",
        arr(prefixItems=[I], unevaluatedItems=False),
        arr(prefixItems=[I], items=False),
        "BF",
    ),
    case(
        "unevaluatedItems has no effect beside items",
        arr(prefixItems=[I], items=S, unevaluatedItems=False),
        arr(prefixItems=[I], items=S),
        "BF",
    ),
    case(
        "unevaluatedItems added",
        arr(prefixItems=[S]),
        arr(prefixItems=[S], unevaluatedItems=False),
        "-F",
        "UNEVALUATED_ITEMS_FORBIDDEN #/unevaluatedItems",
    ),
    case(
        "unevaluatedItems removed",
        arr(prefixItems=[S], unevaluatedItems=I),
        arr(prefixItems=[S]),
        "B-",
        "UNEVALUATED_ITEMS_EXTENDED #/unevaluatedItems",
    ),
    case(
        "unevaluatedItems moved to items",
        arr(unevaluatedItems=S),
        arr(items=S),
        "BF",
    ),
    case(
        "contains marks the items it matches evaluated",
        arr(prefixItems=[S], contains=I, unevaluatedItems=False, **DRAFT_2020),
        arr(prefixItems=[S, I], contains=I, unevaluatedItems=False, **DRAFT_2020),
        "BF",
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/prefixItems/1",
    ),
    case(
        "contains removed under unevaluatedItems",
        arr(prefixItems=[S], contains=I, unevaluatedItems=False),
        arr(prefixItems=[S], unevaluatedItems=False),
        "--",
        "UNEVALUATED_ITEMS_FORBIDDEN #/unevaluatedItems",
        "UNSUPPORTED_KEYWORD_REMOVED #/contains",
    ),
    case(
        "minContains raised under unevaluatedItems",
        arr(contains=I, minContains=1, unevaluatedItems=False),
        arr(contains=I, minContains=2, unevaluatedItems=False),
        "-F",
        "MIN_CONTAINS_INCREASED #/minContains",
    ),
    case(
        "prefixItems member removed beside allOf under unevaluatedItems is undecided",
        arr(allOf=[{"prefixItems": [S]}], prefixItems=[S, I], unevaluatedItems=False),
        arr(allOf=[{"prefixItems": [S]}], prefixItems=[S], unevaluatedItems=False),
        "--",
        "UNEVALUATED_ITEMS_UNDECIDED #/unevaluatedItems",
        "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL #/prefixItems/1",
    ),
]


def _behind_ref(keyword: str, target: Any, **extra: Any) -> dict[str, Any]:
    return {keyword: {"$ref": "#/$defs/x"}, "$defs": {"x": target}, **extra}


CONTAINS_CASES = [
    case(
        "minContains 0 dropped (the default is 1)",
        arr(contains=I, minContains=0),
        arr(contains=I),
        "-F",
        "MIN_CONTAINS_ADDED #/minContains",
    ),
    case(
        "minContains 0 added",
        arr(contains=I),
        arr(contains=I, minContains=0),
        "B-",
        "MIN_CONTAINS_REMOVED #/minContains",
    ),
    case("minContains 1 made explicit", arr(contains=I), arr(contains=I, minContains=1), "BF"),
    case(
        "maxContains added",
        arr(contains=I),
        arr(contains=I, maxContains=2),
        "-F",
        "MAX_CONTAINS_ADDED #/maxContains",
    ),
    case(
        "maxContains raised",
        arr(contains=I, maxContains=1),
        arr(contains=I, maxContains=2),
        "B-",
        "MAX_CONTAINS_INCREASED #/maxContains",
    ),
    case("minContains without contains", arr(minContains=2), arr(), "BF"),
    case(
        "contains changed with its bounds",
        arr(contains=I, minContains=2),
        arr(contains=N, minContains=1),
        "--",
        "UNSUPPORTED_KEYWORD_CHANGED #/contains",
    ),
    case(
        "contains behind a reference changed",
        _behind_ref("contains", S, type="array"),
        _behind_ref("contains", N, type="array"),
        "--",
        "UNSUPPORTED_KEYWORD_CHANGED #/contains",
    ),
    case(
        "if behind a reference changed",
        _behind_ref("if", {"type": "object"}, then={"required": ["a"]}),
        _behind_ref("if", {"type": "array"}, then={"required": ["a"]}),
        "--",
        "UNSUPPORTED_KEYWORD_CHANGED #/if",
    ),
]

DRAFT2020_CASES = [*PROPERTY_CASES, *APPLICATOR_PROPERTY_CASES, *ITEM_CASES, *CONTAINS_CASES]
