"""The local adapter: stock and reservation outcomes in one SQLite database file.

Reads are plain autocommit ``SELECT``s. A commit is one ``BEGIN IMMEDIATE`` transaction (the
database's write lock, waited for up to ``busy_timeout``) that writes every staged item with a
version check and checks the versions of items only read; one mismatch rolls all of it back and
raises ``ConcurrencyConflictError``. Written rows are stored at ``version + 1``.

Tables (``SCHEMA``): ``stock`` has one row per SKU, with ``CHECK``s that keep
``0 <= reserved <= on_hand`` even if a bug got past the domain. ``outcomes`` has one row per
order; a reservation's ``status`` and ``expires_at`` are columns so a partial index on active
reservations serves the expiry sweep, and the whole outcome is kept as a JSON ``body``
(``codec``).

``SqliteInventoryStore`` is the database (shared by threads, one connection per thread, in WAL
mode so reads never wait for a writer); give each thread its own ``SqliteUnitOfWork`` over it.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

from ordermesh_contracts.sqlite import ThreadConnections

from inventory_service.adapters.codec import outcome_from_record, outcome_to_record, utc_text
from inventory_service.adapters.ports import Changes, ConcurrencyConflictError, UnitOfWork
from inventory_service.domain.reservation import Outcome, Reservation
from inventory_service.domain.stock import StockItem

DEFAULT_BUSY_TIMEOUT_MS = 5_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS stock (
    sku TEXT PRIMARY KEY,
    on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
    reserved INTEGER NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand),
    threshold INTEGER NOT NULL CHECK (threshold >= 0),
    warehouse TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1)
);
CREATE TABLE IF NOT EXISTS outcomes (
    order_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('RESERVATION', 'REJECTION', 'WITHDRAWAL')),
    status TEXT,
    expires_at TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outcomes_active_by_expiry
    ON outcomes (expires_at, order_id) WHERE status = 'ACTIVE';
"""

_ALLOW_WITHDRAWALS = (
    "DROP INDEX IF EXISTS outcomes_active_by_expiry",
    "ALTER TABLE outcomes RENAME TO outcomes_before_withdrawals",
    *(statement for statement in SCHEMA.split(";") if "outcomes" in statement),
    "INSERT INTO outcomes SELECT * FROM outcomes_before_withdrawals",
    "DROP TABLE outcomes_before_withdrawals",
)

_INSERT_STOCK = (
    "INSERT INTO stock (sku, on_hand, reserved, threshold, warehouse, version) "
    "VALUES (:sku, :on_hand, :reserved, :threshold, :warehouse, 1) ON CONFLICT (sku) DO NOTHING"
)
_UPDATE_STOCK = (
    "UPDATE stock SET on_hand = :on_hand, reserved = :reserved, threshold = :threshold, "
    "warehouse = :warehouse, version = version + 1 WHERE sku = :sku AND version = :version"
)
_INSERT_OUTCOME = (
    "INSERT INTO outcomes (order_id, kind, status, expires_at, version, body) "
    "VALUES (:order_id, :kind, :status, :expires_at, 1, :body) ON CONFLICT (order_id) DO NOTHING"
)
_UPDATE_OUTCOME = (
    "UPDATE outcomes SET kind = :kind, status = :status, expires_at = :expires_at, "
    "version = version + 1, body = :body WHERE order_id = :order_id AND version = :version"
)


class SqliteInventoryStore:
    """One database file, created with its schema if missing; each thread gets a connection."""

    def __init__(self, path: Path | str, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path)
        self._connections = ThreadConnections(self.path, busy_timeout_ms=busy_timeout_ms)
        self.connection().executescript(SCHEMA)
        self._allow_withdrawals()

    def _allow_withdrawals(self) -> None:
        """Rebuild an ``outcomes`` table created before withdrawals existed (its kind ``CHECK``
        refuses them; SQLite cannot alter a constraint), keeping every row."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outcomes'"
            ).fetchone()
            if "'WITHDRAWAL'" in row[0]:
                return
            for statement in _ALLOW_WITHDRAWALS:
                conn.execute(statement)

    def connection(self) -> sqlite3.Connection:
        """The calling thread's connection (autocommit: transactions are explicit)."""
        return self._connections.connection()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction on the calling thread's connection (see ``ThreadConnections``)."""
        return self._connections.transaction()

    def unit_of_work(self) -> SqliteUnitOfWork:
        return SqliteUnitOfWork(self)

    def close(self) -> None:
        """Close every connection opened so far; threads using the store afterwards reconnect."""
        self._connections.close()


class SqliteUnitOfWork(UnitOfWork):
    def __init__(self, store: SqliteInventoryStore) -> None:
        super().__init__()
        self.store = store

    def due_reservations(self, now: datetime, limit: int) -> list[Reservation]:
        rows = (
            self.store.connection()
            .execute(
                "SELECT version, body FROM outcomes WHERE status = 'ACTIVE' AND expires_at <= ? "
                "ORDER BY expires_at, order_id LIMIT ?",
                (utc_text(now), max(limit, 0)),
            )
            .fetchall()
        )
        due = [_outcome(row) for row in rows]
        return [r for r in due if isinstance(r, Reservation)]

    def _load_stock(self, sku: str) -> StockItem | None:
        row = (
            self.store.connection()
            .execute(
                "SELECT sku, on_hand, reserved, threshold, warehouse, version FROM stock "
                "WHERE sku = ?",
                (sku,),
            )
            .fetchone()
        )
        if row is None:
            return None
        return StockItem(
            row["sku"],
            row["on_hand"],
            row["reserved"],
            row["threshold"],
            row["warehouse"],
            row["version"],
        )

    def _load_outcome(self, order_id: str) -> Outcome | None:
        row = (
            self.store.connection()
            .execute("SELECT version, body FROM outcomes WHERE order_id = ?", (order_id,))
            .fetchone()
        )
        return _outcome(row) if row is not None else None

    def _apply(self, changes: Changes) -> None:
        with self.store.transaction() as conn:
            stale = _write(conn, changes)
            if stale:
                raise ConcurrencyConflictError(f"changed since read: {', '.join(stale)}")


def _write(conn: sqlite3.Connection, changes: Changes) -> list[str]:
    """Write every change with its version check; the keys whose check failed."""
    stale = [item.sku for item in changes.stock if not _put_stock(conn, item)]
    stale += [o.order_id for o in changes.outcomes if not _put_outcome(conn, o)]
    written = {item.sku for item in changes.stock}
    stale += [
        sku
        for sku, version in changes.read_versions.items()
        if sku not in written and _stock_version(conn, sku) != version
    ]
    return stale


def _put_stock(conn: sqlite3.Connection, item: StockItem) -> bool:
    params = {
        "sku": item.sku,
        "on_hand": item.on_hand,
        "reserved": item.reserved,
        "threshold": item.threshold,
        "warehouse": item.warehouse,
        "version": item.version,
    }
    sql = _INSERT_STOCK if item.version == 0 else _UPDATE_STOCK
    return conn.execute(sql, params).rowcount == 1


def _put_outcome(conn: sqlite3.Connection, outcome: Outcome) -> bool:
    record = outcome_to_record(outcome)
    params = {
        "order_id": outcome.order_id,
        "kind": record["kind"],
        "status": record.get("status"),
        "expires_at": record.get("expires_at"),
        "version": outcome.version,
        "body": json.dumps(record, separators=(",", ":")),
    }
    sql = _INSERT_OUTCOME if outcome.version == 0 else _UPDATE_OUTCOME
    return conn.execute(sql, params).rowcount == 1


def _stock_version(conn: sqlite3.Connection, sku: str) -> int:
    row = conn.execute("SELECT version FROM stock WHERE sku = ?", (sku,)).fetchone()
    return int(row["version"]) if row is not None else 0


def _outcome(row: sqlite3.Row) -> Outcome:
    return outcome_from_record(json.loads(row["body"]), int(row["version"]))
