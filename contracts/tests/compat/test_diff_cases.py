"""Table-driven tests of diff(): each case gives old, new, whether the change is BACKWARD and
FORWARD compatible (set inclusion, see ordermesh_contracts.compat) and the exact changes."""

from __future__ import annotations

from typing import Any

import pytest
from ordermesh_contracts.compat import CATALOGUE, Mode, check, diff

from .cases import (
    ACCEPT_ALL,
    ARR,
    BOOL,
    NULL,
    OBJ,
    REJECT_ALL,
    Case,
    I,
    N,
    S,
    arr,
    case,
    number,
    obj,
    string,
)
from .dialect_cases import DIALECT_CASES
from .draft2020_cases import DRAFT2020_CASES

TYPE_CASES = [
    case("type unchanged", S, S, "BF"),
    case("integer to number extends", I, N, "B-", "TYPE_EXTENDED #/type"),
    case("number to integer narrows", N, I, "-F", "TYPE_NARROWED #/type"),
    case("string to number", S, N, "--", "TYPE_CHANGED #/type"),
    case("object to array", OBJ, ARR, "--", "TYPE_CHANGED #/type"),
    case(
        "type array extended",
        {"type": ["object"]},
        {"type": ["object", "array"]},
        "B-",
        "TYPE_EXTENDED #/type",
    ),
    case("type array narrowed", {"type": ["string", "null"]}, S, "-F", "TYPE_NARROWED #/type"),
    case("type added", {}, S, "-F", "TYPE_NARROWED #/type"),
    case("type removed", S, {}, "B-", "TYPE_EXTENDED #/type"),
    case("integer+number is number", {"type": ["integer", "number"]}, N, "BF"),
    case(
        "string|integer to string|number",
        {"type": ["string", "integer"]},
        {"type": ["string", "number"]},
        "B-",
        "TYPE_EXTENDED #/type",
    ),
    case(
        "type implied by enum", {"enum": ["a", "b"]}, {"type": "string", "enum": ["a", "b"]}, "BF"
    ),
]

VALUE_CASES = [
    case(
        "enum extended", string(enum=["a"]), string(enum=["a", "b"]), "B-", "ENUM_EXTENDED #/enum"
    ),
    case(
        "enum narrowed", string(enum=["a", "b"]), string(enum=["a"]), "-F", "ENUM_NARROWED #/enum"
    ),
    case(
        "enum changed",
        string(enum=["a", "b"]),
        string(enum=["b", "c"]),
        "--",
        "ENUM_CHANGED #/enum",
    ),
    case("enum added", S, string(enum=["a"]), "-F", "ENUM_ADDED #/enum"),
    case("enum removed", string(enum=["red"]), S, "B-", "ENUM_REMOVED #/enum"),
    case("enum reordered", {"enum": ["a", 1]}, {"enum": [1, "a"]}, "BF"),
    case("enum 1 equals 1.0", {"enum": [1, 2]}, {"enum": [1.0, 2]}, "BF"),
    case("enum true is not 1", {"enum": [True]}, {"enum": [1]}, "--", "ENUM_CHANGED #/enum"),
    case("enum covering booleans", BOOL, {"type": "boolean", "enum": [True, False]}, "BF"),
    case("const added", S, string(const="x"), "-F", "CONST_ADDED #/const"),
    case("const removed", string(const="x"), S, "B-", "CONST_REMOVED #/const"),
    case("const changed", {"const": "x"}, {"const": "y"}, "--", "CONST_CHANGED #/const"),
    case("const to wider enum", {"const": "x"}, {"enum": ["x", "y"]}, "B-", "ENUM_EXTENDED #/enum"),
    case(
        "enum filtered by type",
        {"type": "string", "enum": ["a", 1]},
        {"type": "string", "enum": ["a"]},
        "BF",
    ),
]

NUMBER_CASES = [
    case("maximum removed", number(maximum=10), N, "B-", "MAXIMUM_REMOVED #/maximum"),
    case(
        "maximum increased",
        number(maximum=10),
        number(maximum=11),
        "B-",
        "MAXIMUM_INCREASED #/maximum",
    ),
    case(
        "maximum decreased",
        number(maximum=11),
        number(maximum=10),
        "-F",
        "MAXIMUM_DECREASED #/maximum",
    ),
    case("maximum added", N, number(maximum=10), "-F", "MAXIMUM_ADDED #/maximum"),
    case("minimum removed", number(minimum=10), N, "B-", "MINIMUM_REMOVED #/minimum"),
    case(
        "minimum increased",
        number(minimum=10),
        number(minimum=11),
        "-F",
        "MINIMUM_INCREASED #/minimum",
    ),
    case(
        "minimum decreased",
        number(minimum=11),
        number(minimum=10),
        "B-",
        "MINIMUM_DECREASED #/minimum",
    ),
    case("minimum added", I, {"type": "integer", "minimum": 0}, "-F", "MINIMUM_ADDED #/minimum"),
    case(
        "draft4 exclusiveMinimum turned on",
        number(minimum=5),
        number(minimum=5, exclusiveMinimum=True),
        "-F",
        "EXCLUSIVE_MINIMUM_ADDED #/exclusiveMinimum",
    ),
    case(
        "draft4 exclusiveMaximum turned off",
        number(maximum=5, exclusiveMaximum=True),
        number(maximum=5),
        "B-",
        "EXCLUSIVE_MAXIMUM_REMOVED #/exclusiveMaximum",
    ),
    case(
        "draft4 exclusive bound raised",
        number(maximum=5, exclusiveMaximum=True),
        number(maximum=6, exclusiveMaximum=True),
        "B-",
        "EXCLUSIVE_MAXIMUM_INCREASED #/exclusiveMaximum",
    ),
    case(
        "draft6 exclusiveMinimum increased",
        number(exclusiveMinimum=5),
        number(exclusiveMinimum=6),
        "-F",
        "EXCLUSIVE_MINIMUM_INCREASED #/exclusiveMinimum",
    ),
    case(
        "draft6 exclusiveMaximum increased",
        number(exclusiveMaximum=10),
        number(exclusiveMaximum=12),
        "B-",
        "EXCLUSIVE_MAXIMUM_INCREASED #/exclusiveMaximum",
    ),
    case(
        "draft6 exclusiveMaximum decreased",
        number(exclusiveMaximum=12),
        number(exclusiveMaximum=10),
        "-F",
        "EXCLUSIVE_MAXIMUM_DECREASED #/exclusiveMaximum",
    ),
    case(
        "minimum made exclusive (draft6)",
        number(minimum=5),
        number(exclusiveMinimum=5),
        "-F",
        "EXCLUSIVE_MINIMUM_ADDED #/exclusiveMinimum",
    ),
    case(
        "exclusiveMaximum made inclusive (draft6)",
        number(exclusiveMaximum=10),
        number(maximum=10),
        "B-",
        "EXCLUSIVE_MAXIMUM_REMOVED #/exclusiveMaximum",
    ),
    case(
        "draft6 exclusiveMinimum removed",
        number(exclusiveMinimum=0),
        N,
        "B-",
        "EXCLUSIVE_MINIMUM_REMOVED #/exclusiveMinimum",
    ),
    case(
        "exclusive 4 is looser than inclusive 5",
        number(minimum=5),
        number(exclusiveMinimum=4),
        "B-",
        "EXCLUSIVE_MINIMUM_DECREASED #/exclusiveMinimum",
    ),
    case(
        "integer bounds: exclusive 0 is minimum 1",
        {"type": "integer", "exclusiveMinimum": 0},
        {"type": "integer", "minimum": 1},
        "BF",
    ),
    case(
        "integer bounds: maximum 9.5 is 9",
        {"type": "integer", "maximum": 9.5},
        {"type": "integer", "maximum": 9},
        "BF",
    ),
    case(
        "number bounds: exclusive 0 is not minimum 1",
        number(exclusiveMinimum=0),
        number(minimum=1),
        "-F",
        "MINIMUM_INCREASED #/minimum",
    ),
    case("multipleOf removed", number(multipleOf=10), N, "B-", "MULTIPLE_OF_REMOVED #/multipleOf"),
    case(
        "multipleOf reduced",
        number(multipleOf=10),
        number(multipleOf=2),
        "B-",
        "MULTIPLE_OF_REDUCED #/multipleOf",
    ),
    case(
        "multipleOf expanded",
        number(multipleOf=2),
        number(multipleOf=10),
        "-F",
        "MULTIPLE_OF_EXPANDED #/multipleOf",
    ),
    case(
        "multipleOf changed",
        number(multipleOf=10),
        number(multipleOf=11),
        "--",
        "MULTIPLE_OF_CHANGED #/multipleOf",
    ),
    case(
        "multipleOf decimal reduced",
        number(multipleOf=0.5),
        number(multipleOf=0.25),
        "B-",
        "MULTIPLE_OF_REDUCED #/multipleOf",
    ),
    case("multipleOf added", N, number(multipleOf=0.01), "-F", "MULTIPLE_OF_ADDED #/multipleOf"),
    case("multipleOf 1 on integers is vacuous", I, {"type": "integer", "multipleOf": 1}, "BF"),
    case("maximum on a string schema is vacuous", string(maximum=3), string(maximum=1), "BF"),
]

STRING_CASES = [
    case(
        "minLength increased",
        string(minLength=10),
        string(minLength=11),
        "-F",
        "MIN_LENGTH_INCREASED #/minLength",
    ),
    case(
        "minLength decreased",
        string(minLength=11),
        string(minLength=10),
        "B-",
        "MIN_LENGTH_DECREASED #/minLength",
    ),
    case("minLength 0 added", S, string(minLength=0), "BF"),
    case(
        "maxLength increased",
        string(maxLength=10),
        string(maxLength=12),
        "B-",
        "MAX_LENGTH_INCREASED #/maxLength",
    ),
    case(
        "maxLength decreased",
        string(maxLength=12),
        string(maxLength=10),
        "-F",
        "MAX_LENGTH_DECREASED #/maxLength",
    ),
    case("maxLength added", S, string(maxLength=3), "-F", "MAX_LENGTH_ADDED #/maxLength"),
    case("maxLength removed", string(maxLength=3), S, "B-", "MAX_LENGTH_REMOVED #/maxLength"),
    case("pattern added", S, string(pattern="^a"), "-F", "PATTERN_ADDED #/pattern"),
    case("pattern removed", string(pattern="uuid"), S, "B-", "PATTERN_REMOVED #/pattern"),
    case(
        "pattern changed",
        string(pattern="date-time"),
        string(pattern="uuid"),
        "--",
        "PATTERN_CHANGED #/pattern",
    ),
    case("pattern unchanged", string(pattern="^a+$"), string(pattern="^a+$"), "BF"),
    case("format added", S, string(format="email"), "-F", "FORMAT_ADDED #/format"),
    case("format removed", string(format="email"), S, "B-", "FORMAT_REMOVED #/format"),
    case(
        "format changed",
        string(format="email"),
        string(format="uri"),
        "--",
        "FORMAT_CHANGED #/format",
    ),
]

TUPLE_SN = [S, N]

ARRAY_CASES = [
    case("items schema added", ARR, arr(items=S), "-F", "ITEMS_NARROWED #/items"),
    case("items schema removed", arr(items=S), ARR, "B-", "ITEMS_EXTENDED #/items"),
    case("items type changed", arr(items=S), arr(items=N), "--", "TYPE_CHANGED #/items/type"),
    case("items integer to number", arr(items=I), arr(items=N), "B-", "TYPE_EXTENDED #/items/type"),
    case("items set to false", arr(items=S), arr(items=False), "-F", "ITEMS_FORBIDDEN #/items"),
    case(
        "tuple removed entirely",
        arr(items=TUPLE_SN),
        ARR,
        "B-",
        "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL #/items/0",
        "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL #/items/1",
    ),
    case("tuple item changed", arr(items=[S]), arr(items=[N]), "--", "TYPE_CHANGED #/items/0/type"),
    case(
        "tuple item added, covered",
        arr(items=TUPLE_SN, additionalItems=S),
        arr(items=[S, N, S], additionalItems=S),
        "BF",
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2",
    ),
    case(
        "tuple item added, not covered",
        arr(items=TUPLE_SN, additionalItems=S),
        arr(items=[S, N, N], additionalItems=S),
        "--",
        "TYPE_CHANGED #/items/2/type",
        "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2",
    ),
    case(
        "tuple item removed, covered",
        arr(items=[S, N, S], additionalItems=S),
        arr(items=TUPLE_SN, additionalItems=S),
        "BF",
        "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2",
    ),
    case(
        "tuple item removed, not covered",
        arr(items=[S, N, N], additionalItems=S),
        arr(items=TUPLE_SN, additionalItems=S),
        "--",
        "TYPE_CHANGED #/items/2/type",
        "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/2",
    ),
    case(
        "tuple item added to closed",
        arr(items=[S], additionalItems=False),
        arr(items=TUPLE_SN, additionalItems=False),
        "B-",
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/items/1",
    ),
    case(
        "false item added to closed",
        arr(items=[N], additionalItems=False),
        arr(items=[N, False], additionalItems=False),
        "BF",
        "ITEM_WITH_FALSE_ADDED_TO_CLOSED_CONTENT_MODEL #/items/1",
    ),
    case(
        "tuple item removed from closed",
        arr(items=TUPLE_SN, additionalItems=False),
        arr(items=[S], additionalItems=False),
        "-F",
        "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL #/items/1",
    ),
    case(
        "empty item added to open",
        arr(items=[N], additionalItems=True),
        arr(items=[N, True], additionalItems=True),
        "BF",
        "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL #/items/1",
    ),
    case(
        "tuple item added to open",
        arr(items=[N]),
        arr(items=[N, S]),
        "-F",
        "ITEM_ADDED_TO_OPEN_CONTENT_MODEL #/items/1",
    ),
    case(
        "closed tuple extended and opened",
        arr(items=TUPLE_SN, additionalItems=False),
        arr(items=[S, N, BOOL], additionalItems=True),
        "B-",
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/items/2",
        "ADDITIONAL_ITEMS_ALLOWED #/additionalItems",
    ),
    case(
        "additionalItems forbidden",
        arr(items=[S], additionalItems=True),
        arr(items=[S], additionalItems=False),
        "-F",
        "ADDITIONAL_ITEMS_FORBIDDEN #/additionalItems",
    ),
    case(
        "additionalItems ignored without tuple",
        {"additionalItems": True},
        {"additionalItems": False},
        "BF",
    ),
    case(
        "additionalItems schema changed",
        arr(items=[S], additionalItems=S),
        arr(items=[S], additionalItems=N),
        "--",
        "TYPE_CHANGED #/additionalItems/type",
    ),
    case(
        "additionalItems schema dropped",
        arr(items=[S], additionalItems=N),
        arr(items=[S, N]),
        "B-",
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/items/1",
        "ADDITIONAL_ITEMS_EXTENDED #/additionalItems",
    ),
    case(
        "minItems increased",
        arr(minItems=1),
        arr(minItems=2),
        "-F",
        "MIN_ITEMS_INCREASED #/minItems",
    ),
    case("minItems removed", arr(minItems=1), ARR, "B-", "MIN_ITEMS_REMOVED #/minItems"),
    case(
        "maxItems decreased",
        arr(maxItems=2),
        arr(maxItems=1),
        "-F",
        "MAX_ITEMS_DECREASED #/maxItems",
    ),
    case("maxItems added", ARR, arr(maxItems=5), "-F", "MAX_ITEMS_ADDED #/maxItems"),
    case(
        "uniqueItems removed",
        arr(uniqueItems=True),
        ARR,
        "B-",
        "UNIQUE_ITEMS_REMOVED #/uniqueItems",
    ),
    case("uniqueItems added", ARR, arr(uniqueItems=True), "-F", "UNIQUE_ITEMS_ADDED #/uniqueItems"),
    case("uniqueItems false is absent", arr(uniqueItems=False), ARR, "BF"),
]

FOO = {"foo": S}
FOO_BAR = {"foo": S, "bar": N}

OBJECT_CASES = [
    case(
        "required added",
        obj(FOO),
        obj(FOO, required=["foo"]),
        "-F",
        "REQUIRED_PROPERTY_ADDED #/required",
    ),
    case(
        "required removed",
        obj(FOO, required=["foo"]),
        obj(FOO),
        "B-",
        "REQUIRED_PROPERTY_REMOVED #/required",
    ),
    case(
        "required swapped",
        obj(FOO, required=["foo"]),
        obj(FOO, required=["bar"]),
        "--",
        "REQUIRED_PROPERTY_ADDED #/required",
        "REQUIRED_PROPERTY_REMOVED #/required",
    ),
    case(
        "property added to open model",
        obj(FOO),
        obj(FOO_BAR),
        "-F",
        "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/bar",
    ),
    case(
        "property renamed in open model",
        obj(FOO),
        obj({"bar": S}),
        "--",
        "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/bar",
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL #/properties/foo",
    ),
    case(
        "empty property added to open model",
        {"additionalProperties": True},
        {"additionalProperties": True, "properties": {"foo": True}},
        "BF",
        "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL #/properties/foo",
    ),
    case(
        "property removed from open model",
        obj(FOO_BAR),
        obj(FOO),
        "B-",
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL #/properties/bar",
    ),
    case(
        "empty property removed from open model",
        obj({"foo": {}}),
        obj({}),
        "BF",
        "PROPERTY_WITH_EMPTY_SCHEMA_REMOVED_FROM_OPEN_CONTENT_MODEL #/properties/foo",
    ),
    case(
        "optional property added to closed model",
        obj(FOO, additionalProperties=False),
        obj(FOO_BAR, additionalProperties=False),
        "B-",
        "PROPERTY_ADDED_TO_CLOSED_CONTENT_MODEL #/properties/bar",
    ),
    case(
        "required property added to closed model",
        obj(FOO, additionalProperties=False),
        obj(FOO_BAR, additionalProperties=False, required=["bar"]),
        "--",
        "REQUIRED_PROPERTY_ADDED #/required",
        "PROPERTY_ADDED_TO_CLOSED_CONTENT_MODEL #/properties/bar",
    ),
    case(
        "property removed from closed model",
        obj(FOO_BAR, additionalProperties=False),
        obj(FOO, additionalProperties=False),
        "-F",
        "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/bar",
    ),
    case(
        "false property added to closed model",
        {"additionalProperties": False},
        {"additionalProperties": False, "properties": {"foo": False}},
        "BF",
        "PROPERTY_WITH_FALSE_ADDED_TO_CLOSED_CONTENT_MODEL #/properties/foo",
    ),
    case(
        "false property removed from closed model",
        {"additionalProperties": False, "properties": {"foo": False}},
        {"additionalProperties": False},
        "BF",
        "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL #/properties/foo",
    ),
    case(
        "property added, covered by additionalProperties",
        obj(FOO, additionalProperties=S),
        obj({"foo": S, "bar": S}, additionalProperties=S),
        "BF",
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar",
    ),
    case(
        "property added, not covered by additionalProperties",
        obj(FOO, additionalProperties=S),
        obj(FOO_BAR, additionalProperties=S),
        "--",
        "TYPE_CHANGED #/properties/bar/type",
        "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar",
    ),
    case(
        "required property added, covered",
        obj(FOO, additionalProperties=S),
        obj({"foo": S, "bar": S}, additionalProperties=S, required=["bar"]),
        "-F",
        "REQUIRED_PROPERTY_ADDED #/required",
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar",
    ),
    case(
        "property removed, covered by new additionalProperties",
        obj({"foo": S, "bar": S}, additionalProperties=False),
        obj(FOO, additionalProperties=S),
        "B-",
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar",
        "ADDITIONAL_PROPERTIES_ALLOWED #/additionalProperties",
    ),
    case(
        "property removed, not covered",
        obj(FOO_BAR, additionalProperties=False),
        obj(FOO, additionalProperties=S),
        "--",
        "TYPE_CHANGED #/properties/bar/type",
        "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar",
        "ADDITIONAL_PROPERTIES_ALLOWED #/additionalProperties",
    ),
    case(
        "property removed, covered by a nullable union",
        obj({"foo": S, "bar": S}, additionalProperties=False),
        obj(FOO, additionalProperties={"oneOf": [NULL, S]}),
        "B-",
        "SUM_TYPE_EXTENDED #/properties/bar",
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/bar",
        "ADDITIONAL_PROPERTIES_ALLOWED #/additionalProperties",
    ),
    case(
        "property added, covered by patternProperties",
        obj(FOO, additionalProperties=False, patternProperties={"^I_": I}),
        obj({"foo": S, "I_1": N}, additionalProperties=False, patternProperties={"^I_": I}),
        "BF",
        "COMBINED_TYPE_EQUIVALENT #/properties/I_1",
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/I_1",
    ),
    case(
        "property moved into patternProperties",
        obj({"foo": S, "I_1": I}, additionalProperties=False),
        obj(FOO, additionalProperties=False, patternProperties={"^I_": N}),
        "B-",
        "TYPE_EXTENDED #/properties/I_1/type",
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL #/properties/I_1",
        "PATTERN_PROPERTY_ADDED_TO_CLOSED_CONTENT_MODEL #/patternProperties/^I_",
    ),
    case(
        "property type changed",
        obj(FOO),
        obj({"foo": N}),
        "--",
        "TYPE_CHANGED #/properties/foo/type",
    ),
    case(
        "additionalProperties false dropped",
        obj({}, additionalProperties=False),
        obj({}),
        "B-",
        "ADDITIONAL_PROPERTIES_ALLOWED #/additionalProperties",
    ),
    case(
        "additionalProperties true to false",
        {"additionalProperties": True},
        {"additionalProperties": False},
        "-F",
        "ADDITIONAL_PROPERTIES_FORBIDDEN #/additionalProperties",
    ),
    case(
        "additionalProperties narrowed",
        {"additionalProperties": True},
        {"additionalProperties": N},
        "-F",
        "ADDITIONAL_PROPERTIES_NARROWED #/additionalProperties",
    ),
    case(
        "additionalProperties extended",
        {"additionalProperties": N},
        {},
        "B-",
        "ADDITIONAL_PROPERTIES_EXTENDED #/additionalProperties",
    ),
    case(
        "additionalProperties schema changed",
        {"additionalProperties": S},
        {"additionalProperties": N},
        "--",
        "TYPE_CHANGED #/additionalProperties/type",
    ),
    case(
        "patternProperties schema extended",
        {"patternProperties": {"^I_": I}},
        {"patternProperties": {"^I_": N}},
        "B-",
        "TYPE_EXTENDED #/patternProperties/^I_/type",
    ),
    case(
        "patternProperties added to open model",
        OBJ,
        {**OBJ, "patternProperties": {"^x": S}},
        "-F",
        "PATTERN_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/patternProperties/^x",
    ),
    case(
        "patternProperties removed from open model",
        {**OBJ, "patternProperties": {"^x": S}},
        OBJ,
        "B-",
        "PATTERN_PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL #/patternProperties/^x",
    ),
    case(
        "patternProperties added beside another pattern",
        {"patternProperties": {"^a": S}, "additionalProperties": False},
        {"patternProperties": {"^a": S, "^b": N}, "additionalProperties": False},
        "--",
        "PATTERN_PROPERTY_ADDED_TO_CLOSED_CONTENT_MODEL #/patternProperties/^b",
        "PATTERN_PROPERTY_ADDED_MAY_OVERLAP #/patternProperties/^b",
    ),
    case(
        "minProperties increased",
        {"minProperties": 1},
        {"minProperties": 2},
        "-F",
        "MIN_PROPERTIES_INCREASED #/minProperties",
    ),
    case(
        "minProperties decreased",
        {"minProperties": 2},
        {"minProperties": 1},
        "B-",
        "MIN_PROPERTIES_DECREASED #/minProperties",
    ),
    case(
        "maxProperties removed",
        {"maxProperties": 1},
        {"properties": {}},
        "B-",
        "MAX_PROPERTIES_REMOVED #/maxProperties",
    ),
    case(
        "maxProperties decreased",
        {"maxProperties": 2},
        {"maxProperties": 1},
        "-F",
        "MAX_PROPERTIES_DECREASED #/maxProperties",
    ),
    case(
        "escaped property name",
        obj({}),
        obj({"a/b~c": S}),
        "-F",
        "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/a~1b~0c",
    ),
]

DEPENDENCY_CASES = [
    case(
        "dependency array swapped",
        obj(FOO_BAR, dependencies={"foo": ["bar"]}),
        obj(FOO_BAR, dependencies={"bar": ["foo"]}),
        "--",
        "DEPENDENCY_ARRAY_ADDED #/dependencies/bar",
        "DEPENDENCY_ARRAY_REMOVED #/dependencies/foo",
    ),
    case(
        "dependency array extended",
        {"dependencies": {"a": ["b"]}},
        {"dependencies": {"a": ["b", "c"]}},
        "-F",
        "DEPENDENCY_ARRAY_EXTENDED #/dependencies/a",
    ),
    case(
        "dependency array narrowed",
        {"dependencies": {"a": ["b", "c"]}},
        {"dependencies": {"a": ["b"]}},
        "B-",
        "DEPENDENCY_ARRAY_NARROWED #/dependencies/a",
    ),
    case(
        "dependency array changed",
        {"dependencies": {"a": ["b"]}},
        {"dependencies": {"a": ["c"]}},
        "--",
        "DEPENDENCY_ARRAY_CHANGED #/dependencies/a",
    ),
    case(
        "dependency schema removed",
        {"dependencies": {"foo": S, "bar": S}},
        {"dependencies": {"foo": S}},
        "B-",
        "DEPENDENCY_SCHEMA_REMOVED #/dependencies/bar",
    ),
    case(
        "dependency schema added",
        {"dependencies": {}},
        {"dependencies": {"foo": obj(FOO)}},
        "-F",
        "DEPENDENCY_SCHEMA_ADDED #/dependencies/foo",
    ),
    case(
        "dependency schema changed",
        {"dependencies": {"foo": S}},
        {"dependencies": {"foo": N}},
        "--",
        "TYPE_CHANGED #/dependencies/foo/type",
    ),
    case(
        "dependency array rewritten as schema",
        {"dependencies": {"a": ["b"]}},
        {"dependencies": {"a": {"required": ["b"]}}},
        "BF",
    ),
]

PROP1 = "#/properties/prop1"


def prop1(schema: Any) -> dict[str, Any]:
    return obj({"prop1": schema})


ENUM3 = {"enum": ["one", "two", "three"]}

COMBINATOR_CASES = [
    case(
        "allOf reordered",
        prop1({"allOf": [ENUM3, S, {"maxLength": 5}]}),
        prop1({"allOf": [{"maxLength": 5}, ENUM3, S]}),
        "BF",
    ),
    case(
        "allOf subschema changed",
        prop1({"allOf": [ENUM3, S, {"maxLength": 5}]}),
        prop1({"allOf": [{"maxLength": 5}, ENUM3, N]}),
        "-F",
        f"PRODUCT_TYPE_EXTENDED {PROP1}",
    ),
    case("allOf duplicates in old", prop1({"allOf": [S, S]}), prop1({"allOf": [S]}), "BF"),
    case("allOf duplicates in new", prop1({"allOf": [S]}), prop1({"allOf": [S, S]}), "BF"),
    case(
        "allOf enum extended",
        {"allOf": [S, {"enum": ["red"]}]},
        {"allOf": [{"enum": ["red", "blue"]}, S]},
        "B-",
        "ENUM_EXTENDED #/allOf/0/enum",
    ),
    case(
        "allOf enum changed",
        {"allOf": [S, {"enum": ["red"]}]},
        {"allOf": [S, {"enum": ["blue"]}]},
        "--",
        "ENUM_CHANGED #/allOf/1/enum",
    ),
    case(
        "allOf subschema removed",
        prop1({"allOf": [ENUM3, S]}),
        prop1({"allOf": [S]}),
        "B-",
        f"PRODUCT_TYPE_NARROWED {PROP1}",
    ),
    case(
        "allOf subschema added",
        prop1({"allOf": [S]}),
        prop1({"allOf": [ENUM3, S]}),
        "-F",
        f"PRODUCT_TYPE_EXTENDED {PROP1}",
    ),
    case(
        "oneOf subschema added",
        prop1({"oneOf": [S]}),
        prop1({"oneOf": [N, S]}),
        "B-",
        f"SUM_TYPE_EXTENDED {PROP1}",
    ),
    case(
        "oneOf two subschemas added",
        prop1({"oneOf": [S]}),
        prop1({"oneOf": [BOOL, N, S]}),
        "B-",
        f"SUM_TYPE_EXTENDED {PROP1}",
    ),
    case(
        "oneOf widened subschema and added",
        prop1({"oneOf": [string(maxLength=5)]}),
        prop1({"oneOf": [BOOL, N, {"title": "s", **string(maxLength=8)}]}),
        "B-",
        f"MAX_LENGTH_INCREASED {PROP1}/oneOf/2/maxLength",
        f"SUM_TYPE_EXTENDED {PROP1}",
    ),
    case(
        "oneOf subschema removed",
        prop1({"oneOf": [N, S]}),
        prop1({"oneOf": [S]}),
        "-F",
        f"SUM_TYPE_NARROWED {PROP1}",
    ),
    case(
        "oneOf subschema changed",
        {"oneOf": [S]},
        {"oneOf": [N]},
        "--",
        "TYPE_CHANGED #/oneOf/0/type",
    ),
    case(
        "oneOf nested property changed",
        {"oneOf": [obj(FOO)]},
        {"oneOf": [obj({"foo": N})]},
        "--",
        "TYPE_CHANGED #/oneOf/0/properties/foo/type",
    ),
    case(
        "oneOf added subschema overlaps",
        {"oneOf": [S]},
        {"oneOf": [S, string(maxLength=3)]},
        "-F",
        "SUM_TYPE_NARROWED #",
    ),
    case(
        "oneOf integer and number overlap",
        {"oneOf": [I]},
        {"oneOf": [I, N]},
        "--",
        "COMBINED_TYPE_SUBSCHEMAS_CHANGED #",
    ),
    case(
        "oneOf discriminated objects",
        {"oneOf": [obj({"kind": {"const": "a"}}, required=["kind"])]},
        {
            "oneOf": [
                obj({"kind": {"const": "a"}}, required=["kind"]),
                obj({"kind": {"const": "b"}}, required=["kind"]),
            ]
        },
        "B-",
        "SUM_TYPE_EXTENDED #",
    ),
    case("anyOf subschema added", {"anyOf": [S]}, {"anyOf": [S, I]}, "B-", "SUM_TYPE_EXTENDED #"),
    case("anyOf subschema removed", {"anyOf": [S, I]}, {"anyOf": [I]}, "-F", "SUM_TYPE_NARROWED #"),
    case(
        "oneOf to anyOf single",
        prop1({"oneOf": [S]}),
        prop1({"anyOf": [S]}),
        "BF",
        f"COMBINED_TYPE_EQUIVALENT {PROP1}",
    ),
    case(
        "oneOf to wider anyOf",
        prop1({"oneOf": [S]}),
        prop1({"anyOf": [N, S]}),
        "B-",
        f"COMBINED_TYPE_EXTENDED {PROP1}",
    ),
    case(
        "allOf to anyOf single",
        prop1({"allOf": [S]}),
        prop1({"anyOf": [S]}),
        "BF",
        f"COMBINED_TYPE_EQUIVALENT {PROP1}",
    ),
    case(
        "anyOf to narrower oneOf",
        prop1({"anyOf": [N, S]}),
        prop1({"oneOf": [S]}),
        "-F",
        f"COMBINED_TYPE_NARROWED {PROP1}",
    ),
    case(
        "allOf to wider oneOf",
        prop1({"allOf": [N]}),
        prop1({"oneOf": [N, S]}),
        "B-",
        f"COMBINED_TYPE_EXTENDED {PROP1}",
    ),
    case(
        "oneOf to allOf single", {"oneOf": [S]}, {"allOf": [S]}, "BF", "COMBINED_TYPE_EQUIVALENT #"
    ),
    case(
        "anyOf to contradictory allOf",
        prop1({"anyOf": [S]}),
        prop1({"allOf": [N, S]}),
        "-F",
        f"COMBINED_TYPE_NARROWED {PROP1}",
    ),
    case(
        "anyOf of same subschemas to oneOf",
        {"anyOf": [S, N]},
        {"oneOf": [S, N]},
        "BF",
        "COMBINED_TYPE_EQUIVALENT #",
    ),
    case(
        "anyOf to allOf of the same subschemas",
        {"anyOf": [S, N]},
        {"allOf": [S, N]},
        "-F",
        "COMBINED_TYPE_NARROWED #",
    ),
    case(
        "allOf to anyOf of the same subschemas",
        {"allOf": [S, N]},
        {"anyOf": [S, N]},
        "B-",
        "COMBINED_TYPE_EXTENDED #",
    ),
    case(
        "overlapping oneOf to anyOf of the same subschemas",
        {"oneOf": [OBJ, {}]},
        {"anyOf": [OBJ, {}]},
        "B-",
        "COMBINED_TYPE_EXTENDED #",
    ),
    case(
        "overlapping oneOf to allOf of the same subschemas",
        {"oneOf": [OBJ, {}]},
        {"allOf": [{}, OBJ]},
        "--",
        "COMBINED_TYPE_CHANGED #",
    ),
    case("plain to oneOf", S, {"oneOf": [N, S]}, "B-", "SUM_TYPE_EXTENDED #"),
    case(
        "plain to anyOf in property",
        prop1(S),
        prop1({"anyOf": [N, S]}),
        "B-",
        f"SUM_TYPE_EXTENDED {PROP1}",
    ),
    case("plain to nullable oneOf", NULL, {"oneOf": [N, NULL]}, "B-", "SUM_TYPE_EXTENDED #"),
    case("plain to single allOf", prop1(S), prop1({"allOf": [S]}), "BF"),
    case(
        "plain to contradictory allOf",
        prop1(S),
        prop1({"allOf": [N, S]}),
        "-F",
        f"PRODUCT_TYPE_EXTENDED {PROP1}",
    ),
    case(
        "bounded string to oneOf",
        string(maxLength=3),
        {"oneOf": [N, S]},
        "B-",
        "MAX_LENGTH_REMOVED #/oneOf/1/maxLength",
        "SUM_TYPE_EXTENDED #",
    ),
    case(
        "nullable refactor keeps constraints",
        string(maxLength=3),
        {"anyOf": [NULL, string(maxLength=3)]},
        "B-",
        "SUM_TYPE_EXTENDED #",
    ),
    case("oneOf back to plain", {"oneOf": [NULL, S]}, S, "-F", "SUM_TYPE_NARROWED #"),
    case("single oneOf unwrapped", {"oneOf": [S]}, S, "BF"),
    case(
        "type moved into anyOf subschemas",
        {"type": "string"},
        {"anyOf": [string(maxLength=5), string(pattern="^a")]},
        "-F",
        "MAX_LENGTH_ADDED #/anyOf/0/maxLength",
        "SUM_TYPE_NARROWED #",
    ),
    case(
        "oneOf added to object",
        obj(FOO),
        obj(FOO, oneOf=[{"required": ["foo"]}, {"required": ["bar"]}]),
        "-F",
        "REQUIRED_PROPERTY_ADDED #/oneOf/0/required",
        "SUM_TYPE_NARROWED #",
    ),
    case("not narrowed", {"not": N}, {"not": I}, "B-", "NOT_SCHEMA_NARROWED #/not"),
    case("not extended", {"not": I}, {"not": N}, "-F", "NOT_SCHEMA_EXTENDED #/not"),
    case("not changed", {"not": S}, {"not": N}, "--", "NOT_SCHEMA_CHANGED #/not"),
    case("not added", S, string(**{"not": {"enum": ["x"]}}), "-F", "NOT_ADDED #/not"),
    case("not removed", string(**{"not": {"enum": ["x"]}}), S, "B-", "NOT_REMOVED #/not"),
    case(
        "not pattern changed is unprovable",
        {"not": string(pattern="a")},
        {"not": string(pattern="b")},
        "--",
        "NOT_SCHEMA_CHANGED #/not",
    ),
]

DEFS_S = {"definitions": {"someRef": S}}
DEFS_N = {"definitions": {"someRef": N}}
REF = {"$ref": "#/definitions/someRef"}
TREE = {
    "definitions": {
        "node": {
            "type": "object",
            "properties": {
                "value": I,
                "children": {"type": "array", "items": {"$ref": "#/definitions/node"}},
            },
        },
    },
    "$ref": "#/definitions/node",
}
TREE_WIDER = {
    "definitions": {
        "node": {
            "type": "object",
            "properties": {
                "value": N,
                "children": {"type": "array", "items": {"$ref": "#/definitions/node"}},
            },
        },
    },
    "$ref": "#/definitions/node",
}

REF_CASES = [
    case(
        "ref target changed",
        arr(items=REF, **DEFS_S),
        arr(items=REF, **DEFS_N),
        "--",
        "TYPE_CHANGED #/items/type",
    ),
    case("moving to a ref", S, {**REF, **DEFS_S}, "BF"),
    case("moving from a ref", {**REF, **DEFS_S}, S, "BF"),
    case("unreferenced definition changed", {**S, **DEFS_S}, {**S, **DEFS_N}, "BF"),
    case("recursive schema unchanged", TREE, TREE, "BF"),
    case(
        "recursive schema widened", TREE, TREE_WIDER, "B-", "TYPE_EXTENDED #/properties/value/type"
    ),
    case(
        "self reference with a new closed property",
        obj({"next": {"$ref": "#"}}),
        obj({"next": {"$ref": "#"}}, additionalProperties=False),
        "-F",
        "ADDITIONAL_PROPERTIES_FORBIDDEN #/additionalProperties",
    ),
    case(
        "escaped definition name",
        {"$ref": "#/definitions/a~1b", "definitions": {"a/b": I}},
        {"$ref": "#/definitions/a~1b", "definitions": {"a/b": N}},
        "B-",
        "TYPE_EXTENDED #/type",
    ),
    case("same unresolved ref", {"$ref": "other.json#/X"}, {"$ref": "other.json#/X"}, "BF"),
    case(
        "different unresolved refs",
        {"$ref": "other.json#/X"},
        {"$ref": "other.json#/Y"},
        "--",
        "UNRESOLVED_REF_CHANGED #",
    ),
]

DRAFT4_TUPLE = arr(items=[I], additionalItems=False)
DRAFT2020_TUPLE = arr(prefixItems=[I], items=False)
ID_BASE = "https://example.com/schemas/positive"
POSITIVE = {"type": "number", "exclusiveMinimum": 0}

LATER_DRAFT_CASES = [
    case("prefixItems equals draft 4 tuple", DRAFT2020_TUPLE, DRAFT4_TUPLE, "BF"),
    case("draft 4 tuple equals prefixItems", DRAFT4_TUPLE, DRAFT2020_TUPLE, "BF"),
    case(
        "prefixItems item added to closed",
        DRAFT2020_TUPLE,
        arr(prefixItems=[I, S], items=False),
        "B-",
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL #/prefixItems/1",
    ),
    case(
        "prefixItems rest opened",
        DRAFT2020_TUPLE,
        arr(prefixItems=[I]),
        "B-",
        "ADDITIONAL_ITEMS_ALLOWED #/items",
    ),
    case(
        "dependentRequired extended",
        {"dependentRequired": {"a": ["b"]}},
        {"dependentRequired": {"a": ["b", "c"]}},
        "-F",
        "DEPENDENCY_ARRAY_EXTENDED #/dependentRequired/a",
    ),
    case(
        "dependentSchemas removed",
        {"dependentSchemas": {"a": obj(FOO)}},
        {},
        "B-",
        "DEPENDENCY_SCHEMA_REMOVED #/dependentSchemas/a",
    ),
    case(
        "propertyNames added",
        OBJ,
        {**OBJ, "propertyNames": {"maxLength": 3}},
        "-F",
        "MAX_LENGTH_ADDED #/propertyNames/maxLength",
    ),
    case(
        "propertyNames loosened",
        {**OBJ, "propertyNames": {"pattern": "^[a-z]+$"}},
        OBJ,
        "B-",
        "PATTERN_REMOVED #/propertyNames/pattern",
    ),
    case(
        "$defs ref inlined",
        obj({"a": {"$ref": "#/$defs/p"}}, **{"$defs": {"p": POSITIVE}}),
        obj({"a": POSITIVE}),
        "BF",
    ),
    case(
        "$id-relative ref",
        obj(
            {"a": {"$ref": "/schemas/positive#/$defs/p"}},
            **{"$id": ID_BASE, "$defs": {"p": POSITIVE}},
        ),
        obj({"a": {"type": "number", "exclusiveMaximum": 0}}),
        "--",
        "EXCLUSIVE_MINIMUM_REMOVED #/properties/a/exclusiveMinimum",
        "EXCLUSIVE_MAXIMUM_ADDED #/properties/a/exclusiveMaximum",
    ),
    case(
        "$schema dialect only",
        {"$schema": "http://json-schema.org/draft-04/schema#"},
        ACCEPT_ALL,
        "BF",
    ),
]

MISC_CASES = [
    case("anything to empty schema", {"properties": {}}, {}, "BF"),
    case("unknown type name is not a contradiction", {"type": "any"}, {}, "BF"),
    case(
        "annotations only",
        {
            "title": "a",
            "description": "b",
            "examples": [1],
            "default": 1,
            "$comment": "c",
            "x-owner": "me",
            "id": "x",
            **S,
        },
        {
            "title": "z",
            "description": "y",
            "examples": [2],
            "default": 2,
            "$comment": "d",
            "x-owner": "you",
            "id": "y",
            **S,
        },
        "BF",
    ),
    case("true to false", ACCEPT_ALL, REJECT_ALL, "-F", "SCHEMA_CHANGED_TO_FALSE #"),
    case("false to schema", REJECT_ALL, S, "B-", "SCHEMA_CHANGED_FROM_FALSE #"),
    case("empty to true", {}, ACCEPT_ALL, "BF"),
    case(
        "unsupported keyword added",
        ARR,
        arr(contains=S),
        "-F",
        "UNSUPPORTED_KEYWORD_ADDED #/contains",
    ),
    case(
        "nested required in detail/data",
        obj({"detail": obj({"data": obj({"id": S})})}),
        obj({"detail": obj({"data": obj({"id": S}, required=["id"])})}),
        "-F",
        "REQUIRED_PROPERTY_ADDED #/properties/detail/properties/data/required",
    ),
    case(
        "nested array item maximum",
        obj({"lines": arr(items=obj({"quantity": {"type": "integer", "maximum": 100}}))}),
        obj({"lines": arr(items=obj({"quantity": {"type": "integer", "maximum": 50}}))}),
        "-F",
        "MAXIMUM_DECREASED #/properties/lines/items/properties/quantity/maximum",
    ),
    case(
        "several changes in document order",
        obj({"a": string(maxLength=5), "b": I}, required=["a"]),
        obj({"a": string(maxLength=3), "b": N, "c": BOOL}),
        "--",
        "REQUIRED_PROPERTY_REMOVED #/required",
        "MAX_LENGTH_DECREASED #/properties/a/maxLength",
        "TYPE_EXTENDED #/properties/b/type",
        "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL #/properties/c",
    ),
]

ALL_CASES = [
    *TYPE_CASES,
    *VALUE_CASES,
    *NUMBER_CASES,
    *STRING_CASES,
    *ARRAY_CASES,
    *OBJECT_CASES,
    *DEPENDENCY_CASES,
    *COMBINATOR_CASES,
    *REF_CASES,
    *LATER_DRAFT_CASES,
    *DRAFT2020_CASES,
    *DIALECT_CASES,
    *MISC_CASES,
]


@pytest.mark.parametrize("item", ALL_CASES, ids=[item.name for item in ALL_CASES])
def test_diff_case(item: Case) -> None:
    changes = diff(item.old, item.new)
    assert tuple(f"{c.type} {c.pointer}" for c in changes) == item.changes
    assert all(c.backward for c in changes) is item.backward
    assert all(c.forward for c in changes) is item.forward


@pytest.mark.parametrize("item", ALL_CASES, ids=[item.name for item in ALL_CASES])
def test_modes_follow_flags(item: Case) -> None:
    assert check(item.old, item.new, Mode.BACKWARD).compatible is item.backward
    assert check(item.old, item.new, Mode.FORWARD).compatible is item.forward
    assert check(item.old, item.new, Mode.FULL).compatible is (item.backward and item.forward)
    assert check(item.old, item.new, Mode.NONE).compatible


@pytest.mark.parametrize("item", ALL_CASES, ids=[item.name for item in ALL_CASES])
def test_changes_agree_with_catalogue(item: Case) -> None:
    for change in diff(item.old, item.new):
        info = CATALOGUE[change.type]
        assert (change.backward, change.forward) == (info.backward, info.forward)
        assert change.pointer.startswith("#")
        assert change.message


def test_case_names_are_unique() -> None:
    names = [item.name for item in ALL_CASES]
    assert len(names) == len(set(names))
    assert len(ALL_CASES) > 100


# jsonschema cannot validate these: refs to documents that do not exist, a draft 3 type name.
NOT_SAMPLED = {
    "same unresolved ref",
    "different unresolved refs",
    "unknown type name is not a contradiction",
}
SAMPLED = [item for item in ALL_CASES if item.name not in NOT_SAMPLED]


@pytest.mark.parametrize("item", SAMPLED, ids=[item.name for item in SAMPLED])
def test_sampled_documents_respect_flags(item: Case, find_counterexamples: Any) -> None:
    """Documents built from both schemas never contradict a direction called compatible."""
    backward, forward = find_counterexamples(item.old, item.new)
    if item.backward:
        assert backward == [], "valid under old but not under new"
    if item.forward:
        assert forward == [], "valid under new but not under old"
