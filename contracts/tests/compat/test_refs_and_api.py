"""References (local, external through a resolver, cycles), the catalogue and API edges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from ordermesh_contracts.compat import CATALOGUE, Mode, check, diff

MONEY_V1 = {"definitions": {"Amount": {"type": "integer", "minimum": 0}}}
MONEY_V2 = {"definitions": {"Amount": {"type": "number", "minimum": 0}}}
DOCS: dict[str, Mapping[str, Any]] = {
    "money-v1.json": MONEY_V1,
    "money-v2.json": MONEY_V2,
    "chain.json": {
        "definitions": {"Outer": {"$ref": "#/definitions/Inner"}, "Inner": {"type": "string"}}
    },
}


def _order(ref: str) -> dict[str, Any]:
    return {"type": "object", "properties": {"total": {"$ref": ref}}}


def test_external_refs_are_compared_where_used() -> None:
    changes = diff(
        _order("money-v1.json#/definitions/Amount"),
        _order("money-v2.json#/definitions/Amount"),
        resolver=DOCS.__getitem__,
    )
    assert [(c.type, c.pointer) for c in changes] == [("TYPE_EXTENDED", "#/properties/total/type")]


def test_resolver_is_called_once_per_document() -> None:
    calls: list[str] = []

    def resolver(uri: str) -> Mapping[str, Any]:
        calls.append(uri)
        return DOCS[uri]

    schema = {
        "type": "array",
        "items": [{"$ref": "money-v1.json#/definitions/Amount"}] * 3,
    }
    assert diff(schema, {**schema, "minItems": 1}, resolver=resolver)
    assert calls == ["money-v1.json"]


def test_local_refs_inside_external_documents() -> None:
    old = {"$ref": "chain.json#/definitions/Outer"}
    new = {"type": "string", "maxLength": 3}
    changes = diff(old, new, resolver=DOCS.__getitem__)
    assert [(c.type, c.pointer) for c in changes] == [("MAX_LENGTH_ADDED", "#/maxLength")]


def test_missing_documents_are_unresolved() -> None:
    changes = diff(
        {"$ref": "nope.json#/X"},
        {"$ref": "money-v1.json#/definitions/Amount"},
        resolver=DOCS.__getitem__,
    )
    assert [(c.type, c.backward, c.forward) for c in changes] == [
        ("UNRESOLVED_REF_CHANGED", False, False)
    ]


def test_unresolved_ref_against_a_schema_is_not_provable() -> None:
    result = check({"$ref": "elsewhere.json"}, {"type": "string"}, Mode.FULL)
    assert not result.compatible


def test_pure_reference_loops_terminate() -> None:
    looping = {
        "definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}},
        "properties": {"x": {"$ref": "#/definitions/a"}},
    }
    assert diff(looping, looping) == []


def test_mutually_recursive_definitions() -> None:
    def schema(leaf: str) -> dict[str, Any]:
        return {
            "definitions": {
                "a": {"type": "object", "properties": {"b": {"$ref": "#/definitions/b"}}},
                "b": {
                    "type": "object",
                    "properties": {"a": {"$ref": "#/definitions/a"}, "leaf": {"type": leaf}},
                },
            },
            "$ref": "#/definitions/a",
        }

    changes = diff(schema("integer"), schema("number"))
    assert [(c.type, c.pointer) for c in changes] == [
        ("TYPE_EXTENDED", "#/properties/b/properties/leaf/type")
    ]


def test_diff_is_deterministic() -> None:
    old = {"type": "object", "properties": {k: {"type": "string"} for k in "abcdef"}}
    new = {"type": "object", "properties": {k: {"type": "number"} for k in "fedcba"}}
    first, second = diff(old, new), diff(old, new)
    assert first == second
    assert [c.pointer for c in first] == [f"#/properties/{k}/type" for k in "fedcba"]


def test_change_message_names_old_and_new_values() -> None:
    (change,) = diff({"type": "string", "maxLength": 10}, {"type": "string", "maxLength": 5})
    assert change.message == "maxLength changed from 10 to 5"


@pytest.mark.parametrize("bad", [[], "string", 3, None])
def test_rejects_non_schemas(bad: Any) -> None:
    with pytest.raises(TypeError, match="old schema must be a JSON object or a boolean"):
        diff(bad, {})


def test_catalogue_entries_are_documented() -> None:
    assert len(CATALOGUE) > 100
    for name, info in CATALOGUE.items():
        assert info.name == name
        assert name == name.upper()
        assert info.description


@pytest.mark.parametrize(
    ("name", "backward", "forward"),
    [
        ("TYPE_NARROWED", False, True),
        ("TYPE_EXTENDED", True, False),
        ("REQUIRED_PROPERTY_ADDED", False, True),
        ("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", False, True),
        ("PROPERTY_ADDED_TO_CLOSED_CONTENT_MODEL", True, False),
        ("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", True, False),
        ("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", False, True),
        ("MAX_LENGTH_ADDED", False, True),
        ("ENUM_EXTENDED", True, False),
        ("PATTERN_CHANGED", False, False),
        ("NOT_SCHEMA_CHANGED", False, False),
        ("SUM_TYPE_EXTENDED", True, False),
        ("PRODUCT_TYPE_EXTENDED", False, True),
        ("COMBINED_TYPE_EQUIVALENT", True, True),
    ],
)
def test_catalogue_classification(name: str, *, backward: bool, forward: bool) -> None:
    assert (CATALOGUE[name].backward, CATALOGUE[name].forward) == (backward, forward)


def test_mirror_types_have_mirror_flags() -> None:
    pairs = [("ADDED", "REMOVED"), ("INCREASED", "DECREASED"), ("EXTENDED", "NARROWED")]
    checked = 0
    for name, info in CATALOGUE.items():
        for first, second in pairs:
            if name.endswith(f"_{first}") and not name.startswith(("DEPENDENCY_", "NOT_")):
                mirror = CATALOGUE.get(name.removesuffix(first) + second)
                if mirror is not None and "COMBINED" not in name:
                    assert (mirror.backward, mirror.forward) == (info.forward, info.backward), name
                    checked += 1
    assert checked > 20
