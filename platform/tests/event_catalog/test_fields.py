"""An event version's schema as rows: nested objects and arrays' items, types, constraints and
descriptions, references followed and ``allOf`` merged."""

from __future__ import annotations

from ordermesh_platform.event_catalog.fields import field_rows

SCHEMA = {
    "definitions": {
        "Money": {
            "description": "An amount in a currency.",
            "type": "object",
            "required": ["amount"],
            "properties": {
                "amount": {"type": "string", "pattern": "^[0-9]+$"},
                "currency": {"type": "string", "enum": ["EUR", "USD"]},
            },
        },
        "Base": {
            "properties": {"eventId": {"type": "string", "minLength": 1}},
            "required": ["eventId"],
        },
    },
    "properties": {
        "detail": {
            "type": "object",
            "properties": {
                "metadata": {"allOf": [{"$ref": "#/definitions/Base"}]},
                "data": {
                    "type": "object",
                    "properties": {
                        "lines": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "properties": {"total": {"$ref": "#/definitions/Money"}},
                            },
                        },
                        "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}},
                    },
                },
            },
        }
    },
}


def test_nested_fields_are_rows_spelled_as_reads_are() -> None:
    rows = {row.path: row for row in field_rows(SCHEMA)}
    assert list(rows) == [
        "metadata",
        "metadata.eventId",
        "data",
        "data.lines",
        "data.lines[].total",
        "data.lines[].total.amount",
        "data.lines[].total.currency",
        "data.tags",
    ]
    assert rows["metadata.eventId"].required  # from the allOf member
    assert rows["data.lines[].total"].description == "An amount in a currency."
    assert rows["data.lines[].total.amount"].constraints == ('pattern "^[0-9]+$"',)
    assert rows["data.lines[].total.currency"].constraints == ('one of "EUR", "USD"',)
    assert rows["data.lines[].total.currency"].required is False
    assert rows["data.lines"].constraints == ("min items 1",)
    assert rows["data.tags"].constraints == ("items: string (max length 8)",)
    assert rows["data.lines[].total.amount"].depth == 3
    assert rows["metadata"].type_text == "any"
