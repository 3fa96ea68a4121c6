"""The local adapters: payments and circuit breakers in one SQLite database file.

Tables::

    payments(order_id PRIMARY KEY, version, body)   -- body: the payment as JSON (see codec)
    breakers(name PRIMARY KEY, status, failures, since, trials, version)

Every write is one autocommitted statement whose row count says whether its condition held:

- ``breakers``: with ``expected_version = 0`` an ``INSERT ... ON CONFLICT(name) DO NOTHING``,
  otherwise ``UPDATE ... SET version = version + 1 WHERE name = ? AND version = ?``; no row
  written means another writer got there first.
- ``payments``: ``add`` is an ``INSERT ... ON CONFLICT(order_id) DO NOTHING`` at version 1,
  ``update`` an ``UPDATE ... WHERE order_id = ? AND version = ?``; no row written raises
  ``PaymentConflictError``.

The database runs in WAL mode with a busy timeout, so several threads and processes can share
the file; each thread uses its own connection.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

from ordermesh_contracts.sqlite import ThreadConnections

from payment_service.adapters.codec import payment_from_document, payment_to_document
from payment_service.adapters.ports import BreakerStateStore, PaymentRepository, Versioned
from payment_service.domain.breaker import CLOSED, BreakerState, BreakerStatus
from payment_service.domain.errors import PaymentConflictError
from payment_service.domain.model import Payment

BUSY_TIMEOUT_MS = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
    order_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS breakers (
    name TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    failures INTEGER NOT NULL,
    since TEXT,
    trials INTEGER NOT NULL,
    version INTEGER NOT NULL
);
"""


class SqliteDatabase:
    """One database file; each thread gets its own connection, opened on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connections = ThreadConnections(path, busy_timeout_ms=BUSY_TIMEOUT_MS)
        self.connection().executescript(SCHEMA)
        self.payments = SqlitePaymentRepository(self)
        self.breakers = SqliteBreakerStateStore(self)

    def connection(self) -> sqlite3.Connection:
        return self._connections.connection()

    def writing(self) -> AbstractContextManager[sqlite3.Connection]:
        """The calling thread's connection, for one autocommitted write, once this process's
        other writers of the file are done."""
        return self._connections.writing()

    def close(self) -> None:
        """Close every thread's connection; a later call opens a new one."""
        self._connections.close()


class SqlitePaymentRepository(PaymentRepository):
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get(self, order_id: str) -> Payment | None:
        row = (
            self._db.connection()
            .execute("SELECT version, body FROM payments WHERE order_id = ?", (order_id,))
            .fetchone()
        )
        if row is None:
            return None
        return payment_from_document(json.loads(row["body"]), version=row["version"])

    def add(self, payment: Payment) -> None:
        with self._db.writing() as conn:
            written = conn.execute(
                "INSERT INTO payments (order_id, version, body) VALUES (?, 1, ?) "
                "ON CONFLICT(order_id) DO NOTHING",
                (payment.order_id, _body(payment)),
            ).rowcount
        if written != 1:
            raise PaymentConflictError(f"order {payment.order_id} already has a payment")
        payment.version = 1

    def update(self, payment: Payment) -> None:
        with self._db.writing() as conn:
            written = conn.execute(
                "UPDATE payments SET version = version + 1, body = ? "
                "WHERE order_id = ? AND version = ?",
                (_body(payment), payment.order_id, payment.version),
            ).rowcount
        if written != 1:
            raise PaymentConflictError(f"payment of order {payment.order_id} changed since read")
        payment.version += 1


class SqliteBreakerStateStore(BreakerStateStore):
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def get(self, name: str) -> Versioned:
        row = (
            self._db.connection()
            .execute(
                "SELECT status, failures, since, trials, version FROM breakers WHERE name = ?",
                (name,),
            )
            .fetchone()
        )
        if row is None:
            return Versioned(CLOSED, 0)
        state = BreakerState(
            status=BreakerStatus(row["status"]),
            failures=row["failures"],
            since=datetime.fromisoformat(row["since"]) if row["since"] is not None else None,
            trials=row["trials"],
        )
        return Versioned(state, row["version"])

    def put(self, name: str, state: BreakerState, expected_version: int) -> int | None:
        since = state.since.isoformat() if state.since is not None else None
        values = (state.status.value, state.failures, since, state.trials)
        with self._db.writing() as conn:
            if expected_version == 0:
                cursor = conn.execute(
                    "INSERT INTO breakers (status, failures, since, trials, name, version) "
                    "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT(name) DO NOTHING",
                    (*values, name),
                )
            else:
                cursor = conn.execute(
                    "UPDATE breakers SET status = ?, failures = ?, since = ?, trials = ?, "
                    "version = version + 1 WHERE name = ? AND version = ?",
                    (*values, name, expected_version),
                )
        return expected_version + 1 if cursor.rowcount == 1 else None


def _body(payment: Payment) -> str:
    return json.dumps(payment_to_document(payment), separators=(",", ":"))
