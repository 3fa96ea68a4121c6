"""Glue tables of the data lake: names, prefixes and Hive column types from the contracts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from ordermesh_contracts.catalog import EventContract, load_catalog
from ordermesh_contracts.lake_schema import (
    JSON_KEY_MAPPINGS,
    MAX_TYPE_LENGTH,
    columns,
    event_prefix,
    glue_type,
    table_name,
)

CATALOG = load_catalog().raise_for_problems()
CONTRACTS = sorted(CATALOG.contracts.items())
ENVELOPE = [
    "version",
    "id",
    "detail_type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
]

# A parsed Hive type: a primitive name, [item] for array, (key, value) for map, {field: type}
# for struct.
HiveType = str | list[Any] | tuple[Any, Any] | dict[str, Any]
_PRIMITIVES = {"string", "bigint", "double", "boolean"}
_TOKEN = re.compile(r"[A-Za-z0-9_]+|[<>,:]")


class _HiveTypeParser:
    def __init__(self, text: str) -> None:
        self.tokens: list[str] = _TOKEN.findall(text)
        assert "".join(self.tokens) == text, f"stray characters in {text!r}"
        self.position = 0

    def parse(self) -> HiveType:
        parsed = self.type()
        assert self.position == len(self.tokens), f"trailing {self.tokens[self.position :]}"
        return parsed

    def take(self, expected: str | None = None) -> str:
        assert self.position < len(self.tokens), "type ends early"
        token = self.tokens[self.position]
        assert expected in (None, token), f"expected {expected!r}, got {token!r}"
        self.position += 1
        return token

    def type(self) -> HiveType:
        word = self.take()
        if word in _PRIMITIVES:
            return word
        assert word in {"array", "map", "struct"}, f"unknown type {word!r}"
        self.take("<")
        if word == "struct":
            return self.fields()
        if word == "array":
            parsed: HiveType = [self.type()]
        else:
            key = self.type()
            self.take(",")
            parsed = (key, self.type())
        self.take(">")
        return parsed

    def fields(self) -> dict[str, HiveType]:
        """``name:type,...>`` of a struct, up to and including its closing ``>``."""
        fields: dict[str, HiveType] = {}
        while True:
            name = self.take()
            assert re.fullmatch(r"[A-Za-z0-9_]+", name), f"bad field name {name!r}"
            assert name.lower() not in {f.lower() for f in fields}, f"duplicate field {name!r}"
            self.take(":")
            fields[name] = self.type()
            if self.take() == ">":
                return fields


def parse_hive_type(text: str) -> HiveType:
    return _HiveTypeParser(text).parse()


def detail_of(contract: EventContract) -> dict[str, Any]:
    by_name = {c["Name"]: c for c in columns(contract.bundled)}
    detail = parse_hive_type(by_name["detail"]["Type"])
    assert isinstance(detail, dict)
    return detail


def obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


@pytest.mark.parametrize(
    "text", ["struct<a:string", "array<int>", "struct<a-b:string>", "map<string>", "string>"]
)
def test_the_hive_type_checker_rejects_unbalanced_unknown_and_misnamed_types(text: str) -> None:
    with pytest.raises(AssertionError):
        parse_hive_type(text)


# --- names and places ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detail_type", "version", "expected"),
    [
        ("OrderPlaced", 2, "order_placed_v2"),
        ("InventoryReservationRejected", 1, "inventory_reservation_rejected_v1"),
        ("HTTPRequestFailed", 3, "http_request_failed_v3"),
        ("Order2Placed", 1, "order2_placed_v1"),
    ],
)
def test_table_name_is_the_snake_cased_event_name_and_version(
    detail_type: str, version: int, expected: str
) -> None:
    assert table_name(detail_type, version) == expected


def test_every_contract_gets_its_own_lower_case_table_name() -> None:
    names = [table_name(k.detail_type, k.version) for k, _ in CONTRACTS]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9_]+", name) for name in names)


@pytest.mark.parametrize(
    ("detail_type", "version", "message"),
    [("order-placed", 1, "'order-placed'"), ("", 1, "''"), ("OrderPlaced", 0, "version 0")],
)
def test_table_name_rejects_what_is_not_an_event_name_and_major_version(
    detail_type: str, version: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        table_name(detail_type, version)


def test_event_prefix_partitions_by_event_name_then_version() -> None:
    assert event_prefix("OrderPlaced", 2) == "events/event=OrderPlaced/version=2/"
    assert event_prefix("OrderPlaced", 1) != event_prefix("OrderPlaced", 2)


# --- every contract in the catalog --------------------------------------------------------


@pytest.mark.parametrize(("key", "contract"), CONTRACTS, ids=[str(k) for k, _ in CONTRACTS])
def test_every_contract_has_envelope_columns_whose_types_parse(
    key: object, contract: EventContract
) -> None:
    table = columns(contract.bundled)

    assert [c["Name"] for c in table] == ENVELOPE, key
    for column in table:
        parse_hive_type(column["Type"])
        assert len(column.get("Comment", "")) <= 255
    detail = detail_of(contract)
    assert {"metadata", "data"} <= detail.keys()
    assert detail["metadata"]["eventId"] == "string"
    assert detail["metadata"]["eventVersion"] == "bigint"


@pytest.mark.parametrize(("key", "contract"), CONTRACTS, ids=[str(k) for k, _ in CONTRACTS])
def test_every_contract_table_fits_glues_column_type_limit(
    key: object, contract: EventContract
) -> None:
    total = sum(len(c["Type"]) for c in columns(contract.bundled))

    assert total < MAX_TYPE_LENGTH, key


def test_envelope_columns_are_eventbridges_and_detail_type_maps_to_its_json_key() -> None:
    table = {c["Name"]: c for c in columns(CATALOG.find("OrderPlaced@2").bundled)}

    assert table["resources"]["Type"] == "array<string>"
    assert table["time"]["Type"] == "string"  # ISO text, as EventBridge wrote it
    assert JSON_KEY_MAPPINGS == {"detail_type": "detail-type"}
    assert table["time"]["Comment"] == "Time of the event (EventBridge envelope, RFC 3339)."


def test_order_placed_v2_has_lines_as_structs_and_total_as_money() -> None:
    data = detail_of(CATALOG.find("OrderPlaced@2"))["data"]

    money = {"amount": "string", "currency": "string"}
    assert data["lines"] == [{"sku": "string", "quantity": "bigint", "unitPrice": money}]
    assert data["total"] == money


def test_order_placed_v1_total_is_a_json_number_and_maps_to_double() -> None:
    contract = CATALOG.find("OrderPlaced@1")
    schema_total = contract.bundled["properties"]["detail"]["properties"]["data"]["properties"][
        "total"
    ]

    assert schema_total["type"] == "number"
    assert detail_of(contract)["data"]["total"] == "double"


def test_saga_commands_merge_command_metadata_from_all_of() -> None:
    metadata = detail_of(CATALOG.find("ReserveInventory@1"))["metadata"]

    assert list(metadata) == [
        "eventId",
        "eventVersion",
        "correlationId",
        "causationId",
        "occurredAt",
        "taskToken",
    ]


def test_free_form_string_dimensions_become_a_map() -> None:
    data = detail_of(CATALOG.find("AnomalyDetected@1"))["data"]

    assert data["dimensions"] == ("string", "string")


# --- the type mapping on small schemas ----------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, "string"),
        ({"type": "string", "format": "date-time"}, "string"),
        ({"type": "string", "enum": ["a", "b"]}, "string"),
        ({"enum": ["a", "b"]}, "string"),
        ({"const": 3}, "bigint"),
        ({"type": "integer"}, "bigint"),
        ({"type": "number"}, "double"),
        ({"type": ["integer", "number"]}, "double"),
        ({"type": "boolean"}, "boolean"),
        ({"type": ["string", "null"]}, "string"),
        ({"type": ["null", "integer"]}, "bigint"),
        ({"type": ["string", "integer"]}, "string"),
        ({"type": "null"}, "string"),
        ({}, "string"),
    ],
)
def test_scalar_json_types_map_to_hive_types(schema: dict[str, Any], expected: str) -> None:
    assert glue_type(schema) == expected


def test_arrays_take_their_item_type_and_untyped_items_are_text() -> None:
    assert glue_type({"type": "array", "items": {"type": "integer"}}) == "array<bigint>"
    assert glue_type({"type": "array"}) == "array<string>"
    tuple_items = {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]}
    assert glue_type(tuple_items) == "array<string>"


def test_objects_become_structs_in_property_order() -> None:
    schema = obj(b={"type": "integer"}, a=obj(c={"type": "boolean"}))

    assert glue_type(schema) == "struct<b:bigint,a:struct<c:boolean>>"


def test_all_of_merges_the_objects_properties() -> None:
    schema = {
        "allOf": [
            obj(orderId={"type": "string"}),
            {"properties": {"total": {"type": "number"}}},
            {"required": ["orderId"]},
        ]
    }

    assert glue_type(schema) == "struct<orderId:string,total:double>"


def test_all_of_of_scalars_keeps_their_common_type() -> None:
    schema = {"allOf": [{"type": "string"}, {"maxLength": 3}]}

    assert glue_type(schema) == "string"


def test_one_of_with_mixed_types_is_json_text() -> None:
    schema = {"oneOf": [{"type": "string"}, obj(amount={"type": "string"})]}

    assert glue_type(schema) == "string"


def test_any_of_with_one_type_and_null_keeps_the_type() -> None:
    schema = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]}

    assert glue_type(schema) == "bigint"


def test_one_of_that_only_adds_constraints_keeps_the_parent_object() -> None:
    schema = {
        **obj(a={"type": "string"}, b={"type": "string"}),
        "oneOf": [{"required": ["a"]}, {"required": ["b"]}],
    }

    assert glue_type(schema) == "struct<a:string,b:string>"


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "object", "additionalProperties": {"type": "string"}}, "map<string,string>"),
        ({"type": "object", "additionalProperties": {"type": "integer"}}, "string"),
        ({"type": "object", "additionalProperties": obj(a={"type": "string"})}, "string"),
        ({"type": "object", "additionalProperties": True}, "string"),
        ({"type": "object"}, "string"),
        ({"type": "object", "properties": {}}, "string"),
    ],
)
def test_objects_without_properties_are_a_map_of_strings_or_json_text(
    schema: dict[str, Any], expected: str
) -> None:
    assert glue_type(schema) == expected


def test_local_references_resolve_against_the_root_schema() -> None:
    root = {
        "definitions": {
            "Money": obj(amount={"$ref": "#/definitions/Amount"}),
            "Amount": {"type": "string"},
        },
        **obj(total={"$ref": "#/definitions/Money"}),
    }

    assert glue_type(root) == "struct<total:struct<amount:string>>"
    assert glue_type(root["properties"]["total"], root=root) == "struct<amount:string>"


def test_a_recursive_reference_is_kept_as_json_text() -> None:
    root = {
        "definitions": {
            "Node": obj(children={"type": "array", "items": {"$ref": "#/definitions/Node"}})
        },
        "$ref": "#/definitions/Node",
    }

    assert glue_type(root) == "struct<children:array<string>>"


# --- what cannot be a Glue table ----------------------------------------------------------


def test_a_property_name_with_a_dash_raises_naming_its_path() -> None:
    schema = obj(data=obj(**{"unit-price": {"type": "number"}}))

    with pytest.raises(
        ValueError, match=r"#/properties/data/properties/unit-price: .*'unit-price'"
    ):
        glue_type(schema)


def test_property_names_equal_but_for_case_raise() -> None:
    schema = obj(orderId={"type": "string"}, orderid={"type": "string"})

    with pytest.raises(ValueError, match=r"#/properties/orderid: 'orderid' and 'orderId'"):
        glue_type(schema)


@pytest.mark.parametrize(
    ("schema", "pointer"),
    [
        (obj(a={"type": "strnig"}), "#/properties/a/type"),
        (obj(a={"$ref": "#/definitions/Missing"}), "#/properties/a/$ref"),
        (obj(a={"$ref": "../../common.json#/definitions/Sku"}), "#/properties/a/$ref"),
        (obj(a={"oneOf": []}), "#/properties/a/oneOf"),
        (obj(a=[{"type": "string"}]), "#/properties/a"),
        ({"type": "object", "properties": ["a"]}, "#/properties"),
    ],
)
def test_a_malformed_schema_raises_naming_the_json_pointer(
    schema: dict[str, Any], pointer: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(f"{pointer}: ")):
        glue_type(schema)


def test_a_contract_without_detail_raises() -> None:
    with pytest.raises(ValueError, match="#/properties/detail"):
        columns(obj(version={"type": "string"}))


def test_a_column_type_longer_than_glue_takes_raises() -> None:
    wide = obj(**{f"field_{i:05d}_{'x' * 40}": {"type": "string"} for i in range(3000)})

    with pytest.raises(
        ValueError, match=r"column detail: type is \d+ characters, Glue takes 131072"
    ):
        columns(obj(detail=wide))


def test_long_multi_line_descriptions_become_one_line_comments_of_255_characters() -> None:
    schema = obj(
        id={"description": "first line\nsecond " + "word " * 100, "type": "string"},
        detail=obj(data=obj()),
    )

    comment = {c["Name"]: c.get("Comment") for c in columns(schema)}["id"]

    assert comment is not None
    assert len(comment) == 255
    assert comment.startswith("first line second word")
    assert "\n" not in comment
