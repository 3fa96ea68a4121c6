"""``ordermesh lake``: the data lake's tables, SQL over them and the named queries, on DuckDB.

The commands read the lake's Parquet files (``<state-dir>/lake``, or ``--lake-dir``) and the
project's contracts, manifests and query files, nothing else: they work whether or not
``ordermesh up`` is running and never wait for it. ``query`` takes Athena (Trino) SQL, translated
as the named queries are, or DuckDB's with ``--dialect duckdb``. Exit codes: 0 done, 1 the engine
rejected the SQL, 2 bad usage (an unknown table or query, a malformed ``--param``).

``flush`` and ``backfill`` (the delivery streams that feed the lake) come from
``cli/lake_delivery.py`` and join this group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, TypeVar

import pyarrow as pa
import typer
from ordermesh_contracts.lake_queries import ParameterError, QueryFileError
from rich.markup import escape
from rich.table import Table

from ordermesh_platform.cli import lake_delivery
from ordermesh_platform.cli.common import (
    RootOption,
    StateOption,
    console,
    err_console,
    find_project,
    text_argument,
)
from ordermesh_platform.cli.lake_output import Format, check_output, show
from ordermesh_platform.lake.project import LocalLake
from ordermesh_platform.lake.sql import DIALECTS, Dialect, QueryError, run, run_named
from ordermesh_platform.lake.tables import arrow_type, hive_type

app = typer.Typer(
    help="The data lake: its tables, SQL over them, and the named queries.", no_args_is_help=True
)

_R = TypeVar("_R")
LakeDirOption = Annotated[
    Path | None,
    typer.Option("--lake-dir", help="The lake's folder (default: <state-dir>/lake)."),
]
FormatOption = Annotated[
    Format, typer.Option("--format", help="table, csv, json, or parquet (needs --output).")
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the result to this file.")
]


def _lake(root: Path | None, state_dir: Path | None, lake_dir: Path | None) -> LocalLake:
    project = find_project(root)
    return LocalLake.of_project(project.root, state_dir=state_dir, lake_dir=lake_dir)


@app.command("tables")
def tables(
    root: RootOption = None, state_dir: StateOption = None, lake_dir: LakeDirOption = None
) -> None:
    """The lake's tables: one per event version, with how many objects each holds."""
    lake = _lake(root, state_dir, lake_dir)
    table = Table("table", "event", "objects", title=f"{lake.spec.database} in {lake.lake_dir}")
    with lake.open() as catalog:
        for name, described in sorted(catalog.tables.items()):
            key = described.event
            objects = len(described.files(lake.lake_dir))
            table.add_row(name, f"{key.source} {key.detail_type} v{key.version}", str(objects))
    console.print(table)


@app.command("describe")
def describe(
    table_name: Annotated[str, typer.Argument(metavar="TABLE", help="A table of the lake.")],
    root: RootOption = None,
    state_dir: StateOption = None,
    lake_dir: LakeDirOption = None,
) -> None:
    """A table's columns and types (Glue's), its partition and where its objects are."""
    lake = _lake(root, state_dir, lake_dir)
    name = table_name.removeprefix(f"{lake.spec.database}.")
    stream = next((s for s in lake.streams if s.table == name), None)
    if stream is None:
        known = ", ".join(sorted(s.table for s in lake.streams))
        raise typer.BadParameter(f"no table {table_name!r}; the lake's tables: {known}")
    table = Table(title=f"{lake.spec.database}.{name}")
    table.add_column("column", overflow="fold")
    table.add_column("type", overflow="fold")
    table.add_column("comment")
    for column in stream.columns:
        comment = column.get("Comment", "")
        for path, hive in _fields(column["Name"], arrow_type(column["Type"])):
            table.add_row(escape(path), escape(hive), escape(comment))
            comment = ""
    table.add_row("date", "string", "partition: delivery day (UTC), YYYY-MM-DD")
    console.print(table)
    console.print(f"{stream.event}: {lake.lake_dir / stream.location}", soft_wrap=True)


@app.command("query")
def query(
    sql: Annotated[str, typer.Argument(help="One SQL statement, or @file.")],
    dialect: Annotated[
        str, typer.Option("--dialect", help="athena (Trino SQL, translated) or duckdb.")
    ] = "athena",
    output_format: FormatOption = Format.TABLE,
    output: OutputOption = None,
    root: RootOption = None,
    state_dir: StateOption = None,
    lake_dir: LakeDirOption = None,
) -> None:
    """Run SQL on the lake; tables are named with or without ``ordermesh_lake.``."""
    if dialect not in DIALECTS:
        raise typer.BadParameter(f"{dialect!r}: athena or duckdb", param_hint="--dialect")
    check_output(output_format, output)
    text = text_argument(sql, "SQL")
    lake = _lake(root, state_dir, lake_dir)
    with lake.open() as catalog:
        result = _or_exit(lambda: run(catalog, text, dialect=_dialect(dialect)))
    show(result, output_format, output)


@app.command("run")
def run_query(
    name: Annotated[str, typer.Argument(help="A named query (platform/lake/queries/NAME.sql).")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A parameter as NAME=VALUE (repeatable)."),
    ] = None,
    output_format: FormatOption = Format.TABLE,
    output: OutputOption = None,
    root: RootOption = None,
    state_dir: StateOption = None,
    lake_dir: LakeDirOption = None,
) -> None:
    """Run a named query, its parameters' defaults overridden by ``--param``."""
    check_output(output_format, output)
    lake = _lake(root, state_dir, lake_dir)
    try:
        queries = lake.queries()
    except QueryFileError as exc:
        err_console.print(f"[red]✗[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from exc
    if name not in queries:
        raise typer.BadParameter(f"no query {name!r}; the named queries: {', '.join(queries)}")
    named = queries[name]
    given = _params(param or [])
    try:
        named.values(given)
    except ParameterError as exc:
        raise typer.BadParameter(str(exc), param_hint="--param") from exc
    with lake.open() as catalog:
        result = _or_exit(lambda: run_named(catalog, named, given))
    show(result, output_format, output, title=f"{name}: {named.description}")


def _fields(path: str, arrow: pa.DataType) -> Iterator[tuple[str, str]]:
    """A column and, for structs, each field by its path (``detail.data.lines[].sku``)."""
    item = arrow.value_type if pa.types.is_list(arrow) else None
    rows = item is not None and pa.types.is_struct(item)
    yield (
        path,
        "struct" if pa.types.is_struct(arrow) else "array<struct>" if rows else hive_type(arrow),
    )
    if pa.types.is_struct(arrow):
        for field in arrow:
            yield from _fields(f"{path}.{field.name}", field.type)
    elif item is not None and pa.types.is_struct(item):
        for field in item:
            yield from _fields(f"{path}[].{field.name}", field.type)


def _params(pairs: list[str]) -> dict[str, str]:
    given: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise typer.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        if key.strip() in given:
            raise typer.BadParameter(f"{key.strip()} is given twice", param_hint="--param")
        given[key.strip()] = value
    return given


def _dialect(name: str) -> Dialect:
    return "duckdb" if name == "duckdb" else "athena"


def _or_exit(operation: Callable[[], _R]) -> _R:
    try:
        return operation()
    except QueryError as exc:
        err_console.print(f"[red]✗[/red] {escape(exc.message)}", soft_wrap=True)
        if exc.translated:
            err_console.print(f"[dim]as DuckDB ran it: {escape(exc.sql)}[/dim]", soft_wrap=True)
        raise typer.Exit(1) from exc


# `flush` and `backfill` (the delivery streams) are defined beside the delivery code.
app.registered_commands += lake_delivery.app.registered_commands
