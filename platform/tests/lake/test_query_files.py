"""Every named query file reads as Athena (Trino) SQL, has a valid header, and has one '?' per
declared parameter, in the header's order."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordermesh_contracts.lake_queries import NamedQuery, load_queries
from ordermesh_platform.lake.translate import parse
from sqlglot import exp
from tests.corpus import PROJECT_ROOT

QUERIES = load_queries(PROJECT_ROOT / "platform" / "lake" / "queries")


def test_the_folder_holds_the_named_queries() -> None:
    assert {q.name for q in QUERIES} >= {
        "orders-per-hour",
        "saga-failure-reasons",
        "revenue-by-currency",
        "order-funnel-per-hour",
        "average-order-value",
        "top-skus-by-units",
        "top-skus-by-revenue",
        "saga-duration-percentiles",
        "compensations-by-reason",
        "decline-codes-per-hour",
    }


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_each_file_parses_as_trino_sql(query: NamedQuery) -> None:
    (statement,) = parse(query.text)  # the header is comments: the whole file is what Athena runs
    assert isinstance(statement, exp.Query)
    placeholders = list(statement.find_all(exp.Placeholder))
    assert len(placeholders) == len(query.parameters)
    assert query.description
    assert all(p.default is not None for p in query.parameters), "every window has a default"


def test_the_header_is_what_athena_shows(tmp_path: Path) -> None:
    del tmp_path
    query = next(q for q in QUERIES if q.name == "top-skus-by-revenue")
    assert [(p.name, p.type, p.default) for p in query.parameters] == [
        ("days", "integer", "30"),
        ("currency", "varchar", "EUR"),
        ("top", "integer", "10"),
    ]
    assert [p.athena_literal(p.default or "") for p in query.parameters] == ["30", "'EUR'", "10"]
