"""The local catalog: one view per event version under its Glue table's name, with the Glue
columns and types and ``date`` as text, over every object of its partitions; empty tables work."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.lake_schema import table_name
from ordermesh_platform.lake.catalog import LakeCatalog
from ordermesh_platform.lake.dataset import write_events
from ordermesh_platform.lake.project import LocalLake
from ordermesh_platform.lake.sql import run
from ordermesh_platform.lake.tables import hive_type

CATALOG = load_catalog().raise_for_problems()


def _tables(catalog: LakeCatalog) -> set[str]:
    rows = catalog.connection.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'ordermesh_lake'"
    ).fetchall()
    return {name for (name,) in rows}


def test_one_table_per_event_version_named_as_in_glue(catalog: LakeCatalog) -> None:
    expected = {table_name(k.detail_type, k.version) for k in CATALOG.contracts}
    assert _tables(catalog) == expected == set(catalog.tables)


def test_columns_and_types_are_the_glue_table_s_then_date_as_text(
    generated_lake: LocalLake, empty_lake: LocalLake
) -> None:
    for lake in (generated_lake, empty_lake):  # with files, and with none
        with lake.open() as catalog:
            for stream in lake.streams:
                schema = catalog.schema(stream.table)
                assert [(f.name, hive_type(f.type)) for f in schema][:-1] == [
                    (c["Name"], c["Type"]) for c in stream.columns
                ], stream.table
                assert schema.field("date").type == pa.string()


def test_an_empty_table_is_an_empty_view(empty_lake: LocalLake) -> None:
    with empty_lake.open() as catalog:
        assert run(catalog, "SELECT count(*) AS n FROM order_placed_v2").to_pylist() == [{"n": 0}]


def test_tables_are_named_with_or_without_the_database(catalog: LakeCatalog) -> None:
    bare = run(catalog, "SELECT count(*) AS n FROM order_placed_v2").to_pylist()
    qualified = run(catalog, "SELECT count(*) AS n FROM ordermesh_lake.order_placed_v2").to_pylist()
    assert bare == qualified
    assert bare[0]["n"] == 3000


def test_date_is_the_partition_s_text_and_the_envelope_version_is_the_file_s(
    catalog: LakeCatalog, generated_events: list[dict[str, Any]]
) -> None:
    rows = run(
        catalog,
        'SELECT "date", typeof("date") AS kind, version, count(*) AS n FROM order_placed_v2 '
        "GROUP BY ALL ORDER BY 1",
        dialect="duckdb",
    ).to_pylist()
    placed = [e for e in generated_events if e["detail-type"] == "OrderPlaced"]
    days = sorted({e["time"][:10] for e in placed})
    assert [r["date"] for r in rows] == days
    assert {r["kind"] for r in rows} == {"VARCHAR"}
    assert {r["version"] for r in rows} == {"0"}  # not the version=2 of the path
    assert [r["n"] for r in rows] == [sum(e["time"][:10] == d for e in placed) for d in days]


def test_every_object_is_read_whatever_its_name_but_dotfiles(
    empty_lake: LocalLake, generated_events: list[dict[str, Any]]
) -> None:
    placed = next(e for e in generated_events if e["detail-type"] == "OrderPlaced")
    (written,) = write_events(empty_lake.lake_dir, empty_lake.streams, [placed])
    assert written.suffix == ""  # Firehose's name: no extension
    partition = written.parent
    (partition / "part.parquet").write_bytes(written.read_bytes())
    (partition / ".in-progress").write_bytes(written.read_bytes())
    (partition / ".staging").mkdir()
    pq.write_table(pq.read_table(written), partition / ".staging" / "x")
    with empty_lake.open() as catalog:
        assert run(catalog, "SELECT count(*) AS n FROM order_placed_v2").to_pylist() == [{"n": 2}]


def test_opening_reads_only_files(empty_lake: LocalLake) -> None:
    with empty_lake.open():
        pass
    assert not empty_lake.lake_dir.exists()  # nothing created, no store opened
