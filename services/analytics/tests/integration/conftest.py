"""Integration fixtures: AWS calls go to moto, in-process, with fake credentials; the KPI store
in each of its implementations (the port suites run against all three)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from analytics_service.adapters.dynamodb import DynamoDbKpiStore, create_table
from analytics_service.adapters.memory import InMemoryKpiStore
from analytics_service.adapters.ports import KpiStore
from analytics_service.adapters.sqlite import SqliteKpiStore
from moto import mock_aws

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Fake credentials and region in the environment, and every AWS call served by moto.

    Yields the region."""
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield REGION


def sqlite_file(path: Path, schema: str, table: str, rows: list[tuple[object, ...]]) -> Path:
    """A SQLite file at ``path`` as an older version of a store left it: ``schema``, and
    ``rows`` in ``table``."""
    with sqlite3.connect(path) as conn:
        conn.executescript(schema)
        marks = ", ".join("?" * len(rows[0]))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608 - a test's table
    conn.close()
    return path


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KpiStore]:
    if request.param == "memory":
        yield InMemoryKpiStore()
    elif request.param == "sqlite":
        sqlite_store = SqliteKpiStore(tmp_path / "analytics.sqlite")
        yield sqlite_store
        sqlite_store.close()
    else:
        region = request.getfixturevalue("aws")
        client = boto3.client("dynamodb", region_name=region)
        create_table(client, "analytics")
        yield DynamoDbKpiStore(client, "analytics")
