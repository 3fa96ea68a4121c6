"""Later drafts' keywords in a draft 4 contract are found where they act, and only there."""

from __future__ import annotations

from ordermesh_contracts.draft4_keywords import later_keywords


def test_finds_later_keywords_at_every_schema_position() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"const": 1},
            "b": {"type": "array", "items": {"contains": {"type": "string"}}},
            "c/d": {"anyOf": [{"type": "string"}, {"if": {}, "then": {}}]},
        },
        "definitions": {"x": {"type": "object", "unevaluatedProperties": False}},
        "additionalProperties": {"propertyNames": {"maxLength": 3}},
        "dependencies": {"a": {"dependentRequired": {}}, "b": ["a"]},
        "items": [{"prefixItems": []}],
        "not": {"exclusiveMinimum": 3},
    }
    assert sorted(later_keywords(schema)) == [
        ("/additionalProperties/propertyNames", "draft 6"),
        ("/definitions/x/unevaluatedProperties", "2019-09"),
        ("/dependencies/a/dependentRequired", "2019-09"),
        ("/items/0/prefixItems", "2020-12"),
        ("/not/exclusiveMinimum", "draft 6 (as a number)"),
        ("/properties/a/const", "draft 6"),
        ("/properties/b/items/contains", "draft 6"),
        ("/properties/c~1d/anyOf/1/if", "draft 7"),
        ("/properties/c~1d/anyOf/1/then", "draft 7"),
    ]


def test_property_names_and_draft4_forms_are_not_keywords() -> None:
    schema = {
        "type": "object",
        "properties": {"if": {"type": "string"}, "const": {"type": "integer"}},
        "required": ["if", "const"],
        "minimum": 0,
        "exclusiveMinimum": True,
        "examples": [{"if": "x", "const": 1}],
        "enum": [{"contains": 1}],
    }
    assert list(later_keywords(schema)) == []
