"""``ordermesh lake`` through the real command line, on the generated lake: tables, describe,
query and run in each output format, and bad input named, with exit codes 0 / 1 / 2."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from ordermesh_platform.cli import app
from ordermesh_platform.lake.project import LocalLake
from tests.corpus import PROJECT_ROOT
from typer.testing import CliRunner, Result

runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture
def lake_args(generated_lake: LocalLake) -> list[str]:
    return ["--root", str(PROJECT_ROOT), "--lake-dir", str(generated_lake.lake_dir)]


def lake(*args: str) -> Result:
    return runner.invoke(app, ["lake", *args])


def test_tables_lists_every_table_with_its_objects(lake_args: list[str]) -> None:
    result = lake("tables", *lake_args)
    assert result.exit_code == 0, result.output
    assert "order_placed_v2" in result.output
    assert "stock_level_low_v1" in result.output


def test_the_lake_is_under_the_state_dir_by_default(
    generated_lake: LocalLake, tmp_path: Path
) -> None:
    shutil.copytree(generated_lake.lake_dir, tmp_path / "lake")
    args = ["--root", str(PROJECT_ROOT), "--state-dir", str(tmp_path), "--format", "json"]
    result = lake("query", "SELECT count(*) AS n FROM order_placed_v2", *args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"n": 3000}]


def test_describe_gives_the_glue_columns_and_the_partition(lake_args: list[str]) -> None:
    result = lake("describe", "ordermesh_lake.payment_declined_v1", *lake_args)
    assert result.exit_code == 0, result.output
    assert "detail.data.declineCode" in result.output
    assert "detail.metadata.occurredAt" in result.output
    assert "detail_type" in result.output
    assert "date" in result.output


def test_describe_an_unknown_table_lists_the_tables(lake_args: list[str]) -> None:
    result = lake("describe", "orders", *lake_args)
    assert result.exit_code == 2
    assert "no table 'orders'" in result.output
    assert "order_placed_v2" in result.output


def test_query_athena_sql_as_csv(lake_args: list[str]) -> None:
    sql = (
        "SELECT detail.data.declineCode AS code, count(*) AS n FROM payment_declined_v1 "
        "GROUP BY 1 ORDER BY 1"
    )
    result = lake("query", sql, "--format", "csv", *lake_args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)


def test_query_duckdb_sql_as_written(lake_args: list[str]) -> None:
    # Trino divides integers as integers; DuckDB's / gives a double
    athena = lake("query", "SELECT 7 / 2 AS n", "--format", "json", *lake_args)
    assert json.loads(athena.output) == [{"n": 3}]
    duck = lake("query", "SELECT 7 / 2 AS n", "--dialect", "duckdb", "--format", "json", *lake_args)
    assert duck.exit_code == 0, duck.output
    assert json.loads(duck.output) == [{"n": 3.5}]
    assert lake("query", "SELECT 1", "--dialect", "spark", *lake_args).exit_code == 2


def test_run_a_named_query_with_parameters_into_parquet(
    lake_args: list[str], tmp_path: Path
) -> None:
    target = tmp_path / "top.parquet"
    args = ["-p", "days=1000", "--param", "top=3", "--format", "parquet", "-o", str(target)]
    result = lake("run", "top-skus-by-units", *args, *lake_args)
    assert result.exit_code == 0, result.output
    table = pq.read_table(target)
    assert table.column_names == ["rank", "sku", "units", "order_lines"]
    assert 3 <= table.num_rows <= 4  # ties share a rank


def test_run_as_a_table_and_as_json(lake_args: list[str]) -> None:
    result = lake("run", "saga-failure-reasons", "-p", "days=1000", *lake_args)
    assert result.exit_code == 0, result.output
    assert "PAYMENT_DECLINED" in result.output
    as_json = lake("run", "saga-failure-reasons", "-p", "days=1000", "--format", "json", *lake_args)
    rows = json.loads(as_json.output)
    assert {r["reason"] for r in rows} >= {"PAYMENT_DECLINED", "INSUFFICIENT_STOCK"}


def test_a_sql_error_shows_the_message_and_the_position(lake_args: list[str]) -> None:
    result = lake("query", "SELECT count(* FROM order_placed_v2", *lake_args)
    assert result.exit_code == 1
    assert "not Athena (Trino) SQL" in result.output
    assert "LINE 1: SELECT count(* FROM order_placed_v2" in result.output
    assert "^" in result.output
    engine = lake("query", "SELECT nope FROM order_placed_v2", *lake_args)
    assert engine.exit_code == 1
    assert 'Referenced column "nope" not found' in engine.output
    assert "LINE 1:" in engine.output


def test_an_unknown_table_lists_the_tables_there_are(lake_args: list[str]) -> None:
    result = lake("query", "SELECT * FROM orders", *lake_args)
    assert result.exit_code == 1
    assert "Table with name orders does not exist" in result.output
    assert "the lake's tables: anomaly_detected_v1" in result.output


def test_an_unknown_query_lists_the_names(lake_args: list[str]) -> None:
    result = lake("run", "orders-by-hour", *lake_args)
    assert result.exit_code == 2
    assert "no query 'orders-by-hour'" in result.output
    assert "orders-per-hour" in result.output


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("days", "'days' is not NAME=VALUE"),
        ("days=soon", "days: 'soon' is not an integer"),
        ("weeks=2", "has no parameter 'weeks' (it takes days)"),
    ],
)
def test_a_bad_param_is_named_with_what_was_expected(
    lake_args: list[str], param: str, message: str
) -> None:
    result = lake("run", "orders-per-hour", "--param", param, *lake_args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", "").split())


def test_parquet_needs_an_output_file(lake_args: list[str]) -> None:
    result = lake("run", "orders-per-hour", "--format", "parquet", *lake_args)
    assert result.exit_code == 2
    assert "give --output FILE" in " ".join(result.output.replace("│", "").split())
