"""Named query files: the header gives the description and the parameters (name, type, default,
meaning); a malformed file is an error naming the file and the line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from ordermesh_contracts.lake_queries import (
    ParameterError,
    QueryFileError,
    load_queries,
    load_query,
)

GOOD = """\
-- description: Orders per hour,
--   over the last `days` days
-- param: days (integer, default 7): days before today
-- param: since (date): first day
-- param: currency (varchar, default EUR): a currency
SELECT 1 FROM t WHERE a >= ? AND b = ? AND c = ? AND d = '?' -- not a ?
"""


def write(tmp_path: Path, text: str, name: str = "orders-per-hour") -> Path:
    path = tmp_path / f"{name}.sql"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_header_gives_description_and_parameters_in_order(tmp_path: Path) -> None:
    query = load_query(write(tmp_path, GOOD))
    assert query.name == "orders-per-hour"
    assert query.description == "Orders per hour, over the last `days` days"
    assert [(p.name, p.type, p.default) for p in query.parameters] == [
        ("days", "integer", "7"),
        ("since", "date", None),
        ("currency", "varchar", "EUR"),
    ]
    assert query.parameters[0].meaning == "days before today"
    assert query.sql.startswith("SELECT 1")
    assert query.text == GOOD


def test_values_are_typed_given_over_defaults(tmp_path: Path) -> None:
    query = load_query(write(tmp_path, GOOD))
    assert query.values({"since": "2026-12-01"}) == [7, date(2026, 12, 1), "EUR"]
    assert query.values({"since": "2026-12-01", "days": "2", "currency": "GBP"}) == [
        2,
        date(2026, 12, 1),
        "GBP",
    ]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"since": "2026-12-01", "dayz": "2"},
            "has no parameter 'dayz' (it takes currency, days, since)",
        ),
        ({}, "since has no default: give it (date: first day)"),
        ({"since": "yesterday"}, "since: 'yesterday' is not a date (YYYY-MM-DD)"),
        ({"since": "2026-12-01", "days": "a week"}, "days: 'a week' is not an integer (like 7)"),
    ],
)
def test_a_bad_value_says_which_and_what_was_expected(
    tmp_path: Path, given: dict[str, str], message: str
) -> None:
    query = load_query(write(tmp_path, GOOD))
    with pytest.raises(ParameterError) as raised:
        query.values(given)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("SELECT 1\n", 1, "no 'description: ...' line"),
        ("-- description: x\n-- param: days integer 7\nSELECT ?\n", 2, "malformed parameter"),
        ("-- description: x\n-- param: d (int): y\nSELECT ?\n", 2, "type 'int' is not one of"),
        ("-- description: x\n-- param: d (integer, default x): y\nSELECT ?\n", 2, "default of d"),
        ("-- description: x\n-- parm: d (integer): y\nSELECT ?\n", 2, "unknown header key 'parm'"),
        ("-- description: x\n-- description: y\nSELECT 1\n", 2, "a second description"),
        (
            "-- description: x\n-- param: d (integer): y\n-- param: d (integer): z\nSELECT ?, ?\n",
            3,
            "d is declared twice",
        ),
        ("-- description: x\n-- param: d (integer): y\nSELECT 1\n", 0, "0 '?' placeholder(s)"),
        ("-- description: x\n", 2, "no SQL after the header"),
    ],
)
def test_a_malformed_file_names_the_file_and_line(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(QueryFileError) as raised:
        load_query(path)
    assert raised.value.line == line
    assert problem in str(raised.value)
    assert str(raised.value).startswith(f"{path}:{line}: " if line else f"{path}: ")


def test_a_file_name_must_be_a_query_name(tmp_path: Path) -> None:
    with pytest.raises(QueryFileError, match="is not a query name"):
        load_query(write(tmp_path, GOOD, name="Orders_Per_Hour"))


def test_the_folder_is_read_in_name_order(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "b-query")
    write(tmp_path, GOOD, "a-query")
    assert [q.name for q in load_queries(tmp_path)] == ["a-query", "b-query"]
    with pytest.raises(QueryFileError, match="no such folder"):
        load_queries(tmp_path / "missing")


def test_athena_literals_by_type(tmp_path: Path) -> None:
    days, since, currency = load_query(write(tmp_path, GOOD)).parameters
    assert days.athena_literal("7") == "7"
    assert since.athena_literal("2026-12-01") == "DATE '2026-12-01'"
    assert currency.athena_literal("O'K") == "'O''K'"
