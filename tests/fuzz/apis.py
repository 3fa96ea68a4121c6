"""The HTTP APIs the fuzzer calls: each one's committed OpenAPI document, and what of its store
a rejected request must leave as it was (read from the SQLite files of the running system).

Each store view leaves out what the system changes by itself after an accepted request (an
order's status as its saga runs, a reservation), so that only what a request writes is
compared: the orders, idempotency keys and outbox rows the order API creates, the stock rows the
inventory API creates or adjusts, the executions (and redrives) the saga API starts, and, for the
analytics API, which reads only, the bus archive (nothing it answers may publish).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
Snapshot = tuple[tuple[object, ...], ...]


def _rows(database: Path, *queries: str) -> Snapshot:
    if not database.is_file():
        return ()
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        rows: list[tuple[object, ...]] = []
        for query in queries:
            try:
                rows += connection.execute(query).fetchall()
            except sqlite3.OperationalError as exc:  # the table is created on first use
                if "no such table" not in str(exc):
                    raise
        return tuple(rows)
    finally:
        connection.close()


@dataclass(frozen=True)
class Api:
    name: str
    document: Path
    store: Callable[[Path], Snapshot]  # the state folder -> what requests write


def _order_store(state: Path) -> Snapshot:
    return _rows(
        state / "order.sqlite",
        "SELECT order_id FROM orders ORDER BY order_id",
        "SELECT key, order_id FROM order_idempotency_keys ORDER BY key",
        "SELECT event_id FROM order_outbox ORDER BY event_id",
    )


def _inventory_store(state: Path) -> Snapshot:
    return _rows(
        state / "inventory.sqlite",
        "SELECT sku, on_hand, threshold, warehouse, version FROM stock ORDER BY sku",
    )


def _saga_store(state: Path) -> Snapshot:
    return _rows(
        state / "runtime.sqlite3",
        "SELECT name, redrive_count FROM sfn_executions ORDER BY name",
    )


def _archive(state: Path) -> Snapshot:
    return _rows(state / "runtime.sqlite3", "SELECT count(*) FROM archive")


APIS = (
    Api("order", ROOT / "services/order/openapi.json", _order_store),
    Api("inventory", ROOT / "services/inventory/openapi.json", _inventory_store),
    Api("saga", ROOT / "platform/saga/openapi.json", _saga_store),
    Api("analytics", ROOT / "services/analytics/openapi.json", _archive),
)
