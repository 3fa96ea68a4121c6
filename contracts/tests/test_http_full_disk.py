"""A store whose disk is full, on a powertools app with ``register``'s handlers: SQLite's own
SQLITE_FULL, from a database that may not grow, is a 503 problem with Retry-After, and another
SQLite error is not taken for a full disk."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from ordermesh_contracts import http

from .http_support import _event


@pytest.fixture
def full() -> Iterator[sqlite3.Connection]:
    """A database with no room left: its next page is refused."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (v TEXT)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    yield conn
    conn.close()


def _fill(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))


@pytest.fixture
def full_disk_app(full: sqlite3.Connection) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()
    http.register(app)

    @app.post("/write")
    def write() -> dict[str, Any]:
        _fill(full)
        return {}

    @app.post("/locked")
    def locked() -> dict[str, Any]:
        raise sqlite3.OperationalError("database is locked")

    return app


def test_sqlite_reports_a_full_database_as_sqlite_full(full: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full") as error:
        _fill(full)
    assert http.storage_full(error.value)


def test_a_write_on_a_full_disk_is_a_503_problem_with_retry_after(
    full_disk_app: APIGatewayHttpResolver,
) -> None:
    response = http.resolve(full_disk_app, _event("POST", "/write"), None)
    headers = {k.lower(): v for k, v in response["headers"].items()}
    assert response["statusCode"] == 503
    assert headers["content-type"] == "application/problem+json"
    assert headers["retry-after"] == str(http.STORAGE_FULL_RETRY_AFTER)
    problem = json.loads(response["body"])
    assert (problem["status"], problem["title"]) == (503, "Service Unavailable")
    assert "storage is full" in problem["detail"]


def test_another_sqlite_error_is_not_taken_for_a_full_disk(
    full_disk_app: APIGatewayHttpResolver,
) -> None:
    assert not http.storage_full(sqlite3.OperationalError("database is locked"))
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        http.resolve(full_disk_app, _event("POST", "/locked"), None)
