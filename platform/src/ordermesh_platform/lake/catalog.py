"""The lake's catalog on DuckDB: what Glue and Athena are in AWS, on one machine.

An in-memory DuckDB connection with a schema named as the lake's database (``ordermesh_lake``),
holding one view per event version under its Glue table's name, with the Glue table's columns
and types, over that version's Parquet files
(``<lake>/events/event=<Name>/version=<N>/date=<YYYY-MM-DD>/<object>``), plus ``date``, the
partition, as text. The search path holds the schema, so queries name a table with or without
``ordermesh_lake.``.

- The partition is read from each file's path, not with DuckDB's hive partitioning: that would
  also read ``event=`` and ``version=`` from the path, and ``version`` would hide the envelope's
  ``version`` column. A filter on ``date`` still skips the files of other days (DuckDB prunes
  files on expressions of their name).
- Every file of a partition is read whatever its name (Firehose's objects may have no
  extension), except dotfiles and dot folders (objects being written).
- A table without files yet is an empty view with the same columns and types.
- Opening it reads the lake's files and nothing else: not the runtime's SQLite store, so it
  never waits for nor holds up a running ``ordermesh up``. The views are made when it opens: a
  table whose first file arrives later is seen by the next catalog opened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Self

import duckdb
import pyarrow as pa
from ordermesh_contracts.catalog import EventKey
from ordermesh_contracts.lake import DATE_PARTITION, DeliveryStream

from ordermesh_platform.lake.tables import arrow_schema

DEFAULT_DATABASE: Final = "ordermesh_lake"
OBJECTS: Final = f"{DATE_PARTITION}=*/[!.]*"  # a version's objects, dotfiles aside
_DATE_OF_FILE: Final = rf"[/\\]{DATE_PARTITION}=([^/\\]+)[/\\][^/\\]+$"


@dataclass(frozen=True)
class LakeTable:
    """One event version's table: its Glue name and columns, and its folder in the lake."""

    name: str
    event: EventKey
    location: str  # under the lake: ``events/event=<Name>/version=<N>/``
    columns: tuple[Mapping[str, str], ...]  # Glue's, the partition aside

    @classmethod
    def of(cls, stream: DeliveryStream) -> LakeTable:
        return cls(stream.table, stream.event, stream.location, stream.columns)

    def files(self, lake_dir: Path) -> list[Path]:
        return sorted(p for p in (lake_dir / self.location).glob(OBJECTS) if p.is_file())


class LakeCatalog:
    """A DuckDB connection over the lake at ``lake_dir`` with one view per table."""

    def __init__(
        self, lake_dir: Path, tables: Sequence[LakeTable], *, database: str = DEFAULT_DATABASE
    ) -> None:
        self.lake_dir = lake_dir
        self.database = database
        self.tables = {table.name: table for table in tables}
        self.connection = duckdb.connect(":memory:")
        self.connection.execute("SET TimeZone = 'UTC'")  # Athena's: hours and days are UTC
        self.connection.execute(f"CREATE SCHEMA {_quoted(database)}")
        for table in tables:
            self.connection.execute(self._view(table))
        self.connection.execute(f"SET search_path = '{database},main'")

    @classmethod
    def of(cls, lake_dir: Path, streams: Sequence[DeliveryStream]) -> LakeCatalog:
        """The tables of the delivery streams (one per event version)."""
        database = streams[0].database if streams else DEFAULT_DATABASE
        return cls(lake_dir, [LakeTable.of(s) for s in streams], database=database)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def schema(self, name: str) -> pa.Schema:
        """A table's columns as DuckDB gives them (Glue's, then ``date``), as an Arrow schema."""
        table = self.tables[name]
        relation = self.connection.table(f"{_quoted(self.database)}.{_quoted(table.name)}")
        schema: pa.Schema = relation.limit(0).to_arrow_table().schema
        return schema

    def _view(self, table: LakeTable) -> str:
        names = [column["Name"] for column in table.columns]
        if table.files(self.lake_dir):
            pattern = (self.lake_dir / table.location).as_posix() + "/" + OBJECTS
            selected = ", ".join(_quoted(name) for name in names)
            # the Glue table's column names and the lake's path, each quoted: no user's text
            source = (
                f"SELECT {selected}, regexp_extract(filename, '{_DATE_OF_FILE}', 1) AS "  # noqa: S608
                f"{_quoted(DATE_PARTITION)} FROM read_parquet({_literal(pattern)}, "
                "filename = true, hive_partitioning = false, union_by_name = true)"
            )
        else:
            schema = arrow_schema(table.columns)
            nulls = ", ".join(
                f"CAST(NULL AS {duckdb_type(field.type)}) AS {_quoted(field.name)}"
                for field in schema
            )
            source = (
                f"SELECT {nulls}, CAST(NULL AS VARCHAR) AS {_quoted(DATE_PARTITION)} WHERE false"
            )
        return f"CREATE VIEW {_quoted(self.database)}.{_quoted(table.name)} AS {source}"


def duckdb_type(arrow: pa.DataType) -> str:
    """DuckDB's spelling of the Arrow type of a Glue column."""
    simple = {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.float64(): "DOUBLE"}
    if arrow in simple:
        return simple[arrow]
    if arrow == pa.bool_():
        return "BOOLEAN"
    if pa.types.is_list(arrow):
        return f"{duckdb_type(arrow.value_type)}[]"
    if pa.types.is_map(arrow):
        return f"MAP({duckdb_type(arrow.key_type)}, {duckdb_type(arrow.item_type)})"
    if pa.types.is_struct(arrow):
        return (
            "STRUCT(" + ", ".join(f"{_quoted(f.name)} {duckdb_type(f.type)}" for f in arrow) + ")"
        )
    raise ValueError(f"{arrow} is not a type of the lake's tables")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
