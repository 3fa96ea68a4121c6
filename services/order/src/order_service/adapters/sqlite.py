"""The local adapter: orders, idempotency keys and the outbox in one SQLite database.

A unit of work is one ``BEGIN IMMEDIATE`` transaction, so the order, its idempotency key and
its outgoing events are committed together. A version check on every update and the keys'
primary key turn a lost race into ``ConcurrentChange``, which the use cases retry.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from ordermesh_contracts.sqlite import ThreadConnections

from order_service.adapters.codec import order_from_json, order_to_json
from order_service.adapters.ports import (
    OUTBOX_RETENTION,
    ConcurrentChange,
    IdempotencyKeys,
    IdempotencyRecord,
    OrderRepository,
    Outbox,
    OutboxMessage,
    Page,
    UnitOfWork,
)
from order_service.domain.order import Order

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    placed_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_customer ON orders (customer_id, placed_at, order_id);
CREATE TABLE IF NOT EXISTS order_idempotency_keys (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    order_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS order_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    ref TEXT NOT NULL,
    data TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    causation_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    published_at TEXT
);
-- The relay reads only what is left to publish; published messages are kept for
-- ``OUTBOX_RETENTION`` and found by age to be deleted.
CREATE INDEX IF NOT EXISTS order_outbox_unpublished ON order_outbox (seq)
    WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS order_outbox_published ON order_outbox (published_at)
    WHERE published_at IS NOT NULL;
"""


class SqliteDatabase:
    """One database file; each thread gets its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connections = ThreadConnections(path, busy_timeout_ms=30_000)
        self.connection().executescript(SCHEMA)

    def connection(self) -> sqlite3.Connection:
        return self._connections.connection()

    def begin(self) -> sqlite3.Connection:
        """Start this thread's write transaction (``end`` finishes it)."""
        return self._connections.begin()

    def end(self, *, commit: bool) -> None:
        self._connections.end(commit=commit)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._connections.transaction()


class _Orders(OrderRepository):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, order_id: str) -> Order | None:
        row = self._conn.execute(
            "SELECT body FROM orders WHERE order_id = ?", (order_id,)
        ).fetchone()
        return order_from_json(json.loads(row["body"])) if row else None

    def add(self, order: Order) -> None:
        order.version = 0
        try:
            self._conn.execute(
                "INSERT INTO orders (order_id, customer_id, placed_at, version, body) "
                "VALUES (?, ?, ?, 0, ?)",
                (order.order_id, order.customer_id, order.placed_at.isoformat(), _body(order)),
            )
        except sqlite3.IntegrityError:
            raise ConcurrentChange(order.order_id) from None

    def save(self, order: Order) -> None:
        expected = order.version
        order.version = expected + 1
        updated = self._conn.execute(
            "UPDATE orders SET version = ?, body = ? WHERE order_id = ? AND version = ?",
            (order.version, _body(order), order.order_id, expected),
        ).rowcount
        if updated != 1:
            order.version = expected
            raise ConcurrentChange(order.order_id)

    def by_customer(self, customer_id: str, *, limit: int, token: str | None) -> Page:
        after = _page_token(token) if token else None
        where, args = "customer_id = ?", [customer_id]
        if after is not None:
            where += " AND (placed_at, order_id) < (?, ?)"
            args += after
        rows = self._conn.execute(
            f"SELECT placed_at, order_id, body FROM orders WHERE {where} "  # noqa: S608 - fixed words
            "ORDER BY placed_at DESC, order_id DESC LIMIT ?",
            (*args, limit + 1),
        ).fetchall()
        orders = [order_from_json(json.loads(r["body"])) for r in rows[:limit]]
        more = len(rows) > limit
        last = rows[limit - 1] if more else None
        return Page(orders, json.dumps([last["placed_at"], last["order_id"]]) if last else None)


def _page_token(token: str) -> list[str]:
    """The [placed_at, order_id] a page token names (``by_customer`` gives it as JSON)."""
    try:
        after = json.loads(token)
    except json.JSONDecodeError:
        after = None
    if not (isinstance(after, list) and len(after) == 2 and all(isinstance(a, str) for a in after)):  # noqa: PLR2004
        raise ValueError(f"{token!r} is not a page token")
    return after


class _Keys(IdempotencyKeys):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, key: str) -> IdempotencyRecord | None:
        row = self._conn.execute(
            "SELECT key, fingerprint, order_id FROM order_idempotency_keys WHERE key = ?", (key,)
        ).fetchone()
        return IdempotencyRecord(row["key"], row["fingerprint"], row["order_id"]) if row else None

    def add(self, record: IdempotencyRecord) -> None:
        try:
            self._conn.execute(
                "INSERT INTO order_idempotency_keys (key, fingerprint, order_id) VALUES (?, ?, ?)",
                (record.key, record.fingerprint, record.order_id),
            )
        except sqlite3.IntegrityError:
            raise ConcurrentChange(record.key) from None


class _Outbox(Outbox):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, message: OutboxMessage) -> None:
        self._conn.execute(
            "INSERT INTO order_outbox (event_id, ref, data, correlation_id, causation_id, "
            "occurred_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                message.event_id,
                message.ref,
                json.dumps(message.data, separators=(",", ":")),
                message.correlation_id,
                message.causation_id,
                message.occurred_at.isoformat(),
            ),
        )


class SqliteUnitOfWork(UnitOfWork):
    """A transaction from ``with`` to ``commit`` (or rollback)."""

    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db

    def __enter__(self) -> Self:
        conn = self.db.begin()
        self.orders = _Orders(conn)
        self.keys = _Keys(conn)
        self.outbox = _Outbox(conn)
        return self

    def commit(self) -> None:
        self.db.end(commit=True)

    def rollback(self) -> None:
        self.db.end(commit=False)


def unpublished(db: SqliteDatabase, limit: int = 100) -> list[tuple[int, OutboxMessage]]:
    """The outbox's messages not yet published, oldest first, with their sequence numbers."""
    rows = db.connection().execute(
        "SELECT * FROM order_outbox WHERE published_at IS NULL ORDER BY seq LIMIT ?", (limit,)
    )
    return [(row["seq"], _message(row)) for row in rows]


def mark_published(db: SqliteDatabase, seqs: list[int], at: datetime) -> None:
    """Note the messages as published at ``at`` (UTC), and delete those published more than
    ``OUTBOX_RETENTION`` before it."""
    with db.transaction() as conn:
        conn.executemany(
            "UPDATE order_outbox SET published_at = ? WHERE seq = ?",
            [(_utc_text(at), seq) for seq in seqs],
        )
        conn.execute(
            "DELETE FROM order_outbox WHERE published_at < ?",
            (_utc_text(at - OUTBOX_RETENTION),),
        )


def _utc_text(at: datetime) -> str:
    """``at`` in UTC as fixed-width text, so that text order is time order."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _message(row: sqlite3.Row) -> OutboxMessage:
    return OutboxMessage(
        event_id=row["event_id"],
        ref=row["ref"],
        data=json.loads(row["data"]),
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        occurred_at=datetime.fromisoformat(row["occurred_at"]),
    )


def _body(order: Order) -> str:
    data: dict[str, Any] = order_to_json(order)
    return json.dumps(data, separators=(",", ":"))
