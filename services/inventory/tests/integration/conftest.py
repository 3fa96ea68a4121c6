"""Every storage adapter behind one fixture, seeded with the same small catalog.

``storage`` runs a test against the in-memory fake, SQLite and DynamoDB (moto);
``threaded_storage`` only against the adapters that are exercised from several threads (moto's
backend is not reliable under concurrent requests, so DynamoDB races are run one after another).

Units of work come from ``Storage.uow``: an adapter's own unit of work with two test hooks
added by ``_Hooks``: ``before_commit`` runs just before a commit is applied (to make a rival
commit happen in between, or to hold threads at a barrier), and every ConcurrencyConflictError
a commit raises is recorded in ``Storage.conflicts``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from inventory_service.adapters.dynamodb import (
    DynamoDbInventoryStore,
    DynamoDbUnitOfWork,
    create_table,
)
from inventory_service.adapters.memory import FakeClock, InMemoryStore, InMemoryUnitOfWork
from inventory_service.adapters.ports import Changes, ConcurrencyConflictError, UnitOfWork
from inventory_service.adapters.sqlite import SqliteInventoryStore, SqliteUnitOfWork
from inventory_service.domain.catalog import CatalogEntry
from inventory_service.domain.reservation import Outcome
from inventory_service.domain.stock import StockItem
from inventory_service.service_layer.stock import seed_catalog
from moto import mock_aws

NOW = datetime(2026, 11, 20, 9, 14, 3, tzinfo=UTC)
TABLE = "ordermesh-inventory"

CATALOG = (
    CatalogEntry("MUG-BLUE-350", on_hand=10, threshold=3, warehouse="DUB-1"),
    CatalogEntry("TEA-EARLGREY-100G", on_hand=5, threshold=2, warehouse="DUB-1"),
    CatalogEntry("KETTLE-STEEL-1L", on_hand=1, threshold=0, warehouse="DUB-1"),
)


class _Hooks(UnitOfWork):
    before_commit: Callable[[], None] | None = None
    conflicts: list[str]

    def _apply(self, changes: Changes) -> None:
        if self.before_commit is not None:
            self.before_commit()
        try:
            super()._apply(changes)
        except ConcurrencyConflictError as error:
            self.conflicts.append(str(error))
            raise


class _Memory(_Hooks, InMemoryUnitOfWork):
    pass


class _Sqlite(_Hooks, SqliteUnitOfWork):
    pass


class _DynamoDb(_Hooks, DynamoDbUnitOfWork):
    pass


@dataclass
class Storage:
    name: str
    new_uow: Callable[[], _Hooks]
    conflicts: list[str] = field(default_factory=list)

    def uow(self, before_commit: Callable[[], None] | None = None) -> UnitOfWork:
        uow = self.new_uow()
        uow.before_commit = before_commit
        uow.conflicts = self.conflicts
        return uow

    def stock(self, sku: str) -> StockItem | None:
        with self.uow() as uow:
            return uow.get_stock(sku)

    def outcome(self, order_id: str) -> Outcome | None:
        with self.uow() as uow:
            return uow.get_outcome(order_id)


@contextmanager
def _memory() -> Iterator[Storage]:
    store = InMemoryStore()
    yield Storage("memory", lambda: _Memory(store))


@contextmanager
def _sqlite(path: Path) -> Iterator[Storage]:
    store = SqliteInventoryStore(path)
    try:
        yield Storage("sqlite", lambda: _Sqlite(store))
    finally:
        store.close()


@contextmanager
def _dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, TABLE)
        store = DynamoDbInventoryStore(client, TABLE)
        yield Storage("dynamodb", lambda: _DynamoDb(store))


def _open(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    opened = {
        "memory": _memory,
        "sqlite": lambda: _sqlite(tmp_path / "inventory.sqlite3"),
        "dynamodb": lambda: _dynamodb(monkeypatch),
    }[name]()
    with opened as storage:
        seed_catalog(CATALOG, storage.uow())
        yield storage


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def storage(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Storage]:
    yield from _open(request.param, tmp_path, monkeypatch)


@pytest.fixture(params=["memory", "sqlite"])
def threaded_storage(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Storage]:
    yield from _open(request.param, tmp_path, monkeypatch)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)
