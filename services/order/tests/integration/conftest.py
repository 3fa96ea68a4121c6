"""The unit-of-work test fixtures: a DynamoDB table in moto, and the stores the port's promises
are checked against (every store, the stores that stage writes until commit, the outbox relays)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from order_service.adapters import dynamodb, sqlite
from order_service.adapters.dynamodb import DynamoDbDatabase, DynamoDbUnitOfWork, create_table
from order_service.adapters.memory import MemoryDatabase, MemoryUnitOfWork
from order_service.adapters.sqlite import SqliteDatabase, SqliteUnitOfWork

from .support import NOW, REGION, TABLE, MakeUow, Relay, Store


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoDbDatabase]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, TABLE)
        yield DynamoDbDatabase(client, TABLE)


def _store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if kind == "memory":
        memory = MemoryDatabase()
        return Store(lambda: MemoryUnitOfWork(memory), lambda: [m.event_id for m in memory.outbox])
    if kind == "sqlite":
        db = SqliteDatabase(tmp_path / "order.sqlite3")
        return Store(
            lambda: SqliteUnitOfWork(db), lambda: [m.event_id for _, m in sqlite.unpublished(db)]
        )
    dynamo: DynamoDbDatabase = request.getfixturevalue("table")
    return Store(
        lambda: DynamoDbUnitOfWork(dynamo),
        lambda: [m.event_id for _, m in dynamodb.unpublished(dynamo)],
    )


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return _store(request.param, request, tmp_path)


@pytest.fixture
def make_uow(store: Store) -> MakeUow:
    return store.uow


@pytest.fixture(params=["memory", "dynamodb"])
def staging_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A store whose units of work stage their writes until ``commit``, so two of them can be
    open at once (SQLite's ``BEGIN IMMEDIATE`` makes the second wait for the first)."""
    return _store(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite", "dynamodb"])
def relay(request: pytest.FixtureRequest, tmp_path: Path) -> Relay:
    if request.param == "sqlite":
        db = SqliteDatabase(tmp_path / "order.sqlite3")
        return Relay(
            lambda: SqliteUnitOfWork(db),
            lambda limit: list(sqlite.unpublished(db, limit)),
            lambda handles: sqlite.mark_published(db, handles, NOW),
        )
    dynamo: DynamoDbDatabase = request.getfixturevalue("table")
    return Relay(
        lambda: DynamoDbUnitOfWork(dynamo),
        lambda limit: list(dynamodb.unpublished(dynamo, limit)),
        lambda handles: dynamodb.mark_published(dynamo, handles, NOW),
    )
