"""Running SQL on the lake's catalog: Athena SQL (translated) or DuckDB's, named queries with
their parameters, and errors that say what was wrong and where."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Final, Literal

import duckdb
import pyarrow as pa
from ordermesh_contracts.lake_queries import NamedQuery

from ordermesh_platform.lake.catalog import LakeCatalog
from ordermesh_platform.lake.translate import TranslationError, to_duckdb

Dialect = Literal["athena", "duckdb"]
DIALECTS: Final = ("athena", "duckdb")
Value = int | float | str | date


class QueryError(Exception):
    """SQL the engine rejected: its message (with the position), and the SQL it ran."""

    def __init__(self, message: str, sql: str, *, translated: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.sql = sql
        self.translated = translated


def run(
    catalog: LakeCatalog,
    sql: str,
    parameters: Sequence[Value] = (),
    *,
    dialect: Dialect = "athena",
    today: date | None = None,
) -> pa.Table:
    """The result of ``sql`` (one statement); ``parameters`` bind its ``?`` (``$1``...) in order.

    ``today`` pins ``current_date`` of Athena SQL (the named queries' windows), for repeatable
    answers."""
    translated = dialect == "athena"
    if translated:
        try:
            sql = to_duckdb(sql, today=today)
        except TranslationError as exc:
            raise QueryError(_with_caret(str(exc), sql, exc.line, exc.column), sql) from exc
    try:
        result: pa.Table = _bigints(
            catalog.connection.sql(sql, params=list(parameters))
        ).to_arrow_table()
    except duckdb.CatalogException as exc:
        message = _positioned(catalog, sql, parameters, exc)
        if "does not exist" in message and ("Table" in message or "table" in message):
            message += f"\nthe lake's tables: {', '.join(sorted(catalog.tables))}"
        raise QueryError(message, sql, translated=translated) from exc
    except duckdb.Error as exc:
        message = _positioned(catalog, sql, parameters, exc)
        raise QueryError(message, sql, translated=translated) from exc
    return result


def _positioned(
    catalog: LakeCatalog, sql: str, parameters: Sequence[Value], error: duckdb.Error
) -> str:
    """DuckDB's message with the position (``LINE 1: ...`` and a caret): relations leave it out
    of binder errors and statements put it in, so the failed SQL is run again as a statement
    (it fails again, at once for a parse or binder error)."""
    try:
        catalog.connection.execute(sql, list(parameters))
    except duckdb.Error as again:
        return str(again)
    return str(error)


def _bigints(relation: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """Trino's integer sums and ``count_if`` are ``bigint``; DuckDB's are ``HUGEINT``: such
    columns become ``BIGINT`` (a sum beyond 64 bits is an error, as in Trino)."""
    types = [str(t) for t in relation.types]
    if "HUGEINT" not in types:
        return relation
    columns = [
        f"CAST({_quoted(name)} AS BIGINT) AS {_quoted(name)}"
        if kind == "HUGEINT"
        else _quoted(name)
        for name, kind in zip(relation.columns, types, strict=True)
    ]
    return relation.project(", ".join(columns))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_named(
    catalog: LakeCatalog,
    query: NamedQuery,
    given: Mapping[str, str] | None = None,
    *,
    today: date | None = None,
) -> pa.Table:
    """A named query with its parameters (``given`` as text over the defaults; ParameterError
    names a bad one)."""
    return run(catalog, query.sql, query.values(given or {}), today=today)


def _with_caret(message: str, sql: str, line: int | None, column: int | None) -> str:
    """``message`` and the line it points at, with a caret under the column."""
    lines = sql.splitlines()
    if line is None or column is None or not 1 <= line <= len(lines):
        return message
    prefix = f"LINE {line}: "
    caret = " " * (len(prefix) + max(column - 1, 0)) + "^"
    return f"{message}\n{prefix}{lines[line - 1]}\n{caret}"
