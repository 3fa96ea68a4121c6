"""Glue columns to Parquet: every contract example converts to a row of its table, the Parquet
file's schema reads back as the Glue table's columns and types, and what a column cannot hold
fails with the path of the value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.lake_schema import columns
from ordermesh_platform.lake.tables import (
    ConversionError,
    RowConverter,
    arrow_schema,
    arrow_type,
    hive_type,
)

CATALOG = load_catalog().raise_for_problems()
CONTRACTS = sorted(CATALOG.contracts.items())


@pytest.mark.parametrize(("key", "contract"), CONTRACTS, ids=[str(k) for k, _ in CONTRACTS])
def test_every_example_converts_and_its_parquet_schema_is_the_glue_tables(
    key: Any, contract: Any, tmp_path: Path
) -> None:
    glue = columns(contract.bundled)
    converter = RowConverter.of(glue)
    examples = [event for _, event in contract.load_examples()]
    assert examples, f"{key} has no examples"
    rows = [converter.row(event) for event in examples]
    pq.write_table(converter.table(rows), tmp_path / "part.parquet")
    read = pq.read_table(tmp_path / "part.parquet")
    assert [(f.name, hive_type(f.type)) for f in read.schema] == [
        (c["Name"], c["Type"]) for c in glue
    ]
    for event, row in zip(examples, read.to_pylist(), strict=True):
        assert row["id"] == event["id"]
        assert row["detail_type"] == event["detail-type"]
        assert row["resources"] == event["resources"]
        assert row["detail"]["metadata"]["eventId"] == event["detail"]["metadata"]["eventId"]


@pytest.mark.parametrize(
    "hive",
    [
        "string",
        "array<struct<sku:string,quantity:bigint>>",
        "map<string,string>",
        "struct<a:double,b:boolean,c:array<array<bigint>>,d:map<string,string>>",
    ],
)
def test_hive_types_round_trip_through_arrow(hive: str) -> None:
    assert hive_type(arrow_type(hive)) == hive


@pytest.mark.parametrize(
    ("hive", "message"),
    [
        ("struct<a:string", "ends early"),
        ("decimal<10,2>", "'decimal' is not a type"),
        ("array<string>>", "unexpected '>'"),
        ("array<str ing>", "stray characters"),
    ],
)
def test_a_malformed_hive_type_is_rejected(hive: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        arrow_type(hive)


TABLE = [
    {"Name": "detail_type", "Type": "string"},
    {
        "Name": "detail",
        "Type": (
            "struct<count:bigint,ratio:double,ok:boolean,free:string,"
            "lines:array<struct<sku:string,quantity:bigint>>,tags:map<string,string>>"
        ),
    },
]


def test_values_convert_as_the_openx_serde_reads_them() -> None:
    converter = RowConverter.of(TABLE)
    row = converter.row(
        {
            "detail-type": "X",
            "detail": {
                "count": 3.0,
                "ratio": 2,
                "ok": None,
                "free": {"b": [1, "é"]},
                "lines": [{"SKU": "A-1", "quantity": 2, "extra": True}],
                "tags": {"k": 1},
                "unknown": "ignored",
            },
        }
    )
    assert row == {
        "detail_type": "X",
        "detail": {
            "count": 3,
            "ratio": 2.0,
            "ok": None,
            "free": '{"b":[1,"é"]}',
            "lines": [{"sku": "A-1", "quantity": 2}],
            "tags": [("k", "1")],
        },
    }
    table = converter.table([row, converter.row({})])
    assert table.schema == arrow_schema(TABLE)
    assert table.to_pylist()[1] == {"detail_type": None, "detail": None}


@pytest.mark.parametrize(
    ("detail", "path", "reason"),
    [
        ({"count": 1.5}, "detail.count", "1.5 has a fraction"),
        ({"count": True}, "detail.count", "a boolean true is not a bigint"),
        ({"count": 2**63}, "detail.count", "does not fit a bigint"),
        ({"ratio": "1"}, "detail.ratio", 'a string "1" is not a double'),
        ({"ok": 0}, "detail.ok", "a number 0 is not a boolean"),
        ({"lines": {}}, "detail.lines", "an object is not an array"),
        ({"lines": [{"quantity": "2"}]}, "detail.lines[0].quantity", "is not a bigint"),
        ({"tags": [1]}, "detail.tags", "an array is not an object"),
    ],
)
def test_a_value_the_column_cannot_hold_fails_with_its_path(
    detail: dict[str, Any], path: str, reason: str
) -> None:
    with pytest.raises(ConversionError) as raised:
        RowConverter.of(TABLE).row({"detail": detail})
    assert raised.value.path == path
    assert reason in raised.value.reason


def test_a_record_that_is_not_an_object_fails() -> None:
    with pytest.raises(ConversionError, match=r"\$: a record must be a JSON object, not an array"):
        RowConverter.of(TABLE).row([])  # type: ignore[arg-type]


def test_the_arrow_schema_keeps_the_column_order() -> None:
    assert arrow_schema(TABLE).names == ["detail_type", "detail"]
    assert isinstance(arrow_schema(TABLE).field("detail").type, pa.StructType)


# --- Arrow's JSON reader: the same rows, or None -----------------------------------------------
@pytest.mark.parametrize(("key", "contract"), CONTRACTS, ids=[str(k) for k, _ in CONTRACTS])
def test_the_json_reader_gives_the_rows_the_converter_gives(key: Any, contract: Any) -> None:
    converter = RowConverter.of(columns(contract.bundled))
    examples = [event for _, event in contract.load_examples()]
    read = converter.read([json.dumps(event) for event in examples])
    if any("map<" in column["Type"] for column in columns(contract.bundled)):
        assert read is None  # Arrow's JSON reader has no maps: these go through the converter
        return
    assert read is not None, f"{key}: its examples should not need the converter"
    assert read.schema == converter.schema
    assert read.to_pylist() == converter.table([converter.row(e) for e in examples]).to_pylist()


READER_TABLE = [
    {"Name": "detail_type", "Type": "string"},
    {"Name": "detail", "Type": "struct<count:bigint,lines:array<struct<sku:string>>>"},
]


def test_the_reader_maps_json_keys_ignores_unknown_ones_and_keeps_nulls() -> None:
    converter = RowConverter.of(READER_TABLE)
    records = [
        '{"detail-type":"X","detail":{"count":2,"extra":{"a":1},"lines":[{"sku":"A","n":1}]}}',
        '{"detail":null}',
    ]
    read = converter.read(records)
    assert read is not None
    assert read.to_pylist() == [
        {"detail_type": "X", "detail": {"count": 2, "lines": [{"sku": "A"}]}},
        {"detail_type": None, "detail": None},
    ]


@pytest.mark.parametrize(
    "record",
    [
        '{"detail":{"count":2.0}}',  # the SerDe takes a whole number written with a fraction
        '{"detail-type":{"a":1}}',  # JSON text in a string column
        '{"detail":{"lines":[{"SKU":"A"}]}}',  # a key that differs in case only
        '{"detail":{"Count":2}}',
        '{"detail":\n{"count":2}}',  # a record over two lines
        '{"detail":{"count":1.5}}',  # a failure: the converter says where
        "not json",
    ],
)
def test_records_the_reader_cannot_read_as_the_serde_does_go_to_the_converter(
    record: str,
) -> None:
    assert RowConverter.of(READER_TABLE).read(['{"detail":{"count":1}}', record]) is None
