"""Athena SQL translated to DuckDB: each fix sqlglot lacks, run on DuckDB and compared with what
Athena (Trino) answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import duckdb
import pytest
from ordermesh_platform.lake.translate import TranslationError, to_duckdb


@pytest.fixture
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    yield connection
    connection.close()


def one(duck: duckdb.DuckDBPyConnection, athena_sql: str, *params: object) -> object:
    row = duck.execute(to_duckdb(athena_sql), list(params)).fetchone()
    assert row is not None
    return row[0]


@pytest.mark.parametrize(
    "expression",
    [
        "cast(DATE '2026-12-05' - interval '7' day AS varchar)",
        "cast(date_add('day', -7, DATE '2026-12-05') AS varchar)",
        "cast(date_add('week', -1, DATE '2026-12-05') AS varchar)",
    ],
)
def test_a_date_minus_whole_days_is_a_date_as_in_trino(
    duck: duckdb.DuckDBPyConnection, expression: str
) -> None:
    # Trino: a date; DuckDB alone: a timestamp, '2026-11-28 00:00:00', after the partition's text
    assert one(duck, f"SELECT {expression}") == "2026-11-28"


def test_a_timestamp_plus_hours_stays_a_timestamp(duck: duckdb.DuckDBPyConnection) -> None:
    got = one(duck, "SELECT from_iso8601_timestamp('2026-12-05T10:00:00Z') + interval '2' hour")
    assert got == datetime(2026, 12, 5, 12, tzinfo=UTC)


def test_current_date_can_be_pinned(duck: duckdb.DuckDBPyConnection) -> None:
    sql = to_duckdb(
        "SELECT cast(current_date - interval '1' day AS varchar)", today=date(2027, 1, 1)
    )
    assert duck.execute(sql).fetchone() == ("2026-12-31",)


def test_from_iso8601_timestamp_and_date_trunc_read_offsets_in_utc(
    duck: duckdb.DuckDBPyConnection,
) -> None:
    got = one(
        duck, "SELECT date_trunc('hour', from_iso8601_timestamp('2026-12-05T01:30:00.250+02:00'))"
    )
    assert got == datetime(2026, 12, 4, 23, tzinfo=UTC)


def test_date_diff_in_milliseconds(duck: duckdb.DuckDBPyConnection) -> None:
    got = one(
        duck,
        "SELECT date_diff('millisecond', from_iso8601_timestamp('2026-12-05T10:00:00.811Z'), "
        "from_iso8601_timestamp('2026-12-05T10:00:02.001Z'))",
    )
    assert got == 1190


def test_approx_percentile_is_the_exact_nearest_rank_locally(
    duck: duckdb.DuckDBPyConnection,
) -> None:
    # DuckDB's approx_quantile answers 812545 here, a value that is not in the data
    sql = "SELECT approx_percentile(x * x, 0.9) FROM UNNEST(sequence(1, 1001)) AS t (x)"
    assert one(duck, sql) == 901 * 901  # the ceil(0.9 * 1001) = 901st value


def test_unnest_of_rows_gives_a_column_per_field(duck: duckdb.DuckDBPyConnection) -> None:
    duck.execute(
        "CREATE TABLE orders AS SELECT * FROM (VALUES (1, [{'sku': 'A', 'quantity': 2}, "
        "{'sku': 'B', 'quantity': 3}]), (2, [{'sku': 'A', 'quantity': 5}])) AS t (id, lines)"
    )
    sql = (
        "SELECT line.sku, sum(line.quantity) FROM orders "
        "CROSS JOIN UNNEST(lines) AS line (sku, quantity) GROUP BY 1 ORDER BY 1"
    )
    assert duck.execute(to_duckdb(sql)).fetchall() == [("A", 7), ("B", 3)]


def test_unnest_of_scalars_keeps_its_one_column(duck: duckdb.DuckDBPyConnection) -> None:
    sql = "SELECT count(*) FROM (VALUES (ARRAY['x', 'y'])) AS t (a) CROSS JOIN UNNEST(a) AS u (v)"
    assert one(duck, sql) == 2


def test_placeholders_are_numbered_in_the_order_of_the_text(
    duck: duckdb.DuckDBPyConnection,
) -> None:
    # the CTE's placeholder comes first in the text, though the tree lists the outer one first
    sql = "WITH a AS (SELECT ? AS first, '?' AS text) SELECT first, text, ? AS second FROM a -- ?"
    assert duck.execute(to_duckdb(sql), ["one", "two"]).fetchall() == [("one", "?", "two")]


def test_count_if_and_integer_sums_are_translated(duck: duckdb.DuckDBPyConnection) -> None:
    assert one(duck, "SELECT count_if(x > 1) FROM (VALUES (1), (2), (3)) AS t (x)") == 2


def test_sql_that_is_not_trino_says_where(duck: duckdb.DuckDBPyConnection) -> None:
    del duck
    with pytest.raises(TranslationError) as raised:
        to_duckdb("SELECT a\nFROM t\nWHERE x = = 1")
    assert raised.value.line == 3
    assert raised.value.column is not None
    assert "not Athena (Trino) SQL" in str(raised.value)


def test_one_statement_at_a_time() -> None:
    with pytest.raises(TranslationError, match="one statement expected, found 2"):
        to_duckdb("SELECT 1; SELECT 2")
