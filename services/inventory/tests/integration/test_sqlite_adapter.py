"""What only the SQLite adapter has: its connections, the file, and the table constraints."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from inventory_service.adapters.sqlite import SqliteInventoryStore
from inventory_service.domain.catalog import CatalogEntry
from inventory_service.domain.reservation import Withdrawal
from inventory_service.domain.stock import StockItem
from inventory_service.domain.values import Line
from inventory_service.service_layer.stock import seed_catalog

MUG = StockItem("MUG-BLUE-350", 10, 0, 3, "DUB-1", version=1)
TEA = StockItem("TEA-EARLGREY-100G", 5, 0, 2, "DUB-1", version=1)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "inventory.sqlite3"


@pytest.fixture
def store(path: Path) -> Iterator[SqliteInventoryStore]:
    store = SqliteInventoryStore(path, busy_timeout_ms=2_500)
    seed_catalog(
        [CatalogEntry(i.sku, i.on_hand, i.threshold, i.warehouse) for i in (MUG, TEA)],
        store.unit_of_work(),
    )
    yield store
    store.close()


def _settings(conn: sqlite3.Connection) -> tuple[str, int]:
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    busy = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    return journal, busy


def test_each_thread_gets_its_own_connection_in_wal_mode(store: SqliteInventoryStore) -> None:
    mine = store.connection()
    assert store.connection() is mine
    with ThreadPoolExecutor(max_workers=1) as pool:
        theirs = pool.submit(store.connection).result()
        their_settings = pool.submit(lambda: _settings(store.connection())).result()
    assert theirs is not mine
    assert _settings(mine) == their_settings == ("wal", 2_500)


def test_stock_survives_reopening_the_file(store: SqliteInventoryStore, path: Path) -> None:
    with store.unit_of_work() as uow:
        uow.save_stock(MUG.reserve(3))
        uow.commit()
    store.close()
    reopened = SqliteInventoryStore(path)
    try:
        with reopened.unit_of_work() as uow:
            assert uow.get_stock(MUG.sku) == StockItem(MUG.sku, 10, 3, 3, "DUB-1", version=2)
    finally:
        reopened.close()


def test_a_row_breaking_the_stock_constraints_fails_the_whole_commit(
    store: SqliteInventoryStore,
) -> None:
    # Given a commit changing TEA and writing MUG with more reserved than on hand
    uow = store.unit_of_work()
    with uow:
        assert uow.get_stock(MUG.sku) == MUG
        uow.save_stock(TEA.reserve(1))
        uow.save_stock(StockItem(MUG.sku, 10, 11, 3, "DUB-1", version=1))
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
            uow.commit()
    # Then nothing was written and the connection is out of the transaction, ready for the next
    assert not store.connection().in_transaction
    with uow:
        assert (uow.get_stock(MUG.sku), uow.get_stock(TEA.sku)) == (MUG, TEA)
        uow.save_stock(TEA.reserve(1))
        uow.commit()
    with uow:
        assert uow.get_stock(TEA.sku) == StockItem(TEA.sku, 5, 1, 2, "DUB-1", version=2)


def test_due_reservations_need_a_timezone_aware_time(store: SqliteInventoryStore) -> None:
    with store.unit_of_work() as uow, pytest.raises(ValueError, match="no timezone"):
        uow.due_reservations(datetime(2026, 11, 20, 9, 0), 10)  # noqa: DTZ001 - the point


OLD_OUTCOMES = """
CREATE TABLE outcomes (
    order_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('RESERVATION', 'REJECTION')),
    status TEXT,
    expires_at TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL
);
INSERT INTO outcomes VALUES ('ord_01JD7Q4K2M9A', 'REJECTION', NULL, NULL, 1, '{}');
"""


def test_a_file_from_before_withdrawals_takes_one_and_keeps_its_outcomes(path: Path) -> None:
    # Given a database whose outcomes table only allowed reservations and rejections
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_OUTCOMES)
    # When it is opened and the saga releases an order nothing was reserved for
    store = SqliteInventoryStore(path)
    withdrawal = Withdrawal("ord_01JD7Q4K2M9T", "res_01JD7Q4K2M9T", (Line("MUG-BLUE-350", 2),))
    uow = store.unit_of_work()
    with uow:
        uow.save_outcome(withdrawal)
        uow.commit()
    # Then the withdrawal is stored and the older outcome is still there
    with uow:
        assert uow.get_outcome(withdrawal.order_id) == replace(withdrawal, version=1)
    rows = store.connection().execute("SELECT order_id, kind FROM outcomes ORDER BY 1")
    assert [tuple(r) for r in rows] == [
        ("ord_01JD7Q4K2M9A", "REJECTION"),
        ("ord_01JD7Q4K2M9T", "WITHDRAWAL"),
    ]
    store.close()
