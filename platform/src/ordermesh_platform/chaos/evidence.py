"""Reading a run's evidence (``invariants.Evidence``) from what it left: the load generator's
record, the services' SQLite stores, the provider simulator's ledger, the runtime's dead-letter
queues and bus archive, and the lake's Parquet files through DuckDB."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

from ordermesh_platform.chaos.invariants import (
    Charge,
    DeadLetter,
    Evidence,
    Reservation,
    StoredOrder,
)
from ordermesh_platform.lake.project import LocalLake
from ordermesh_platform.runtime.queues import Message
from ordermesh_platform.runtime.runtime import LocalRuntime
from ordermesh_platform.runtime.status import dead_letter_queues

ACCEPTED = 202  # POST /orders: the order is placed and its saga under way


def read_accepted(path: Path) -> dict[str, set[str]]:
    """The load generator's record: each key answered 202, with the order ids it was given."""
    accepted: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines() if path.is_file() else []:
        answer = json.loads(line)
        if answer["status"] == ACCEPTED:
            accepted.setdefault(answer["key"], set()).add(answer["orderId"])
    return accepted


def read_accepted_at(path: Path) -> dict[str, float]:
    """When each order was first answered 202 (epoch seconds), from the load generator's record."""
    at: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines() if path.is_file() else []:
        answer = json.loads(line)
        if answer["status"] == ACCEPTED and "at" in answer:
            order_id = answer["orderId"]
            at[order_id] = min(at.get(order_id, answer["at"]), answer["at"])
    return at


def _rows(database: Path, sql: str) -> list[sqlite3.Row]:
    if not database.is_file():
        return []
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql).fetchall()


def read_orders(database: Path) -> dict[str, StoredOrder]:
    orders = {}
    for row in _rows(database, "SELECT body FROM orders"):
        body = json.loads(row["body"])
        cancellation = body.get("cancellation") or {}
        orders[body["orderId"]] = StoredOrder(
            order_id=body["orderId"],
            status=body["status"],
            lines=tuple((line["sku"], int(line["quantity"])) for line in body["lines"]),
            customer_id=body["customerId"],
            cancel_reason=cancellation.get("reason"),
            cancel_message=cancellation.get("message", ""),
        )
    return orders


def read_inventory(
    database: Path,
) -> tuple[dict[str, tuple[int, int]], dict[str, Reservation]]:
    """Stock (on hand, reserved) by SKU, and each order's reservation."""
    stock = {
        row["sku"]: (int(row["on_hand"]), int(row["reserved"]))
        for row in _rows(database, "SELECT sku, on_hand, reserved FROM stock")
    }
    reservations = {}
    for row in _rows(database, "SELECT body FROM outcomes WHERE kind = 'RESERVATION'"):
        body = json.loads(row["body"])
        lines = tuple((line["sku"], int(line["quantity"])) for line in body["lines"])
        reservations[body["order_id"]] = Reservation(body["order_id"], body["status"], lines)
    return stock, reservations


def read_charges(ledger: Iterable[Mapping[str, str]]) -> list[Charge]:
    return [
        Charge(
            order_id=entry["orderId"],
            authorization_id=entry["authorizationId"],
            amount=Decimal(entry["amount"]),
            refunded=Decimal(entry["refunded"]),
        )
        for entry in ledger
    ]


def initial_stock(catalog: Path) -> dict[str, int]:
    items = json.loads(catalog.read_text(encoding="utf-8"))["items"]
    return {item["sku"]: int(item["onHand"]) for item in items}


def cause(message: Message) -> str | None:
    """Why a message is in its dead-letter queue: the function's error (its attributes), or the
    queue it came from after too many receives; None if nothing says."""
    attributes = message.message_attributes
    error = attributes.get("ErrorMessage") or attributes.get("ErrorCode")
    if error is not None:
        return str(error.get("StringValue"))
    if message.source_queue:
        return f"received {message.receive_count} times from {message.source_queue}"
    return None


def read_dead_letters(runtime: LocalRuntime) -> list[DeadLetter]:
    return [
        DeadLetter(queue.name, message.message_id, cause(message))
        for queue in dead_letter_queues(runtime)
        if queue.messages
        for message in runtime.queues.peek(queue.name, queue.messages)
    ]


def read_archive(runtime: LocalRuntime, lake: LocalLake) -> dict[str, set[str]]:
    """The archived events each lake table should hold, by the table's event (source,
    detail-type and version)."""
    tables = {(s.event.source, s.event.detail_type, s.event.version): s.table for s in lake.streams}
    archived: dict[str, set[str]] = {table: set() for table in tables.values()}
    conn = runtime.store.connection()
    for row in conn.execute("SELECT id, event FROM archive WHERE bus = ?", (runtime.bus.name,)):
        event: dict[str, Any] = json.loads(row["event"])
        version = event.get("detail", {}).get("metadata", {}).get("eventVersion")
        table = tables.get((str(event.get("source")), str(event.get("detail-type")), version))
        if table is not None:
            archived[table].add(row["id"])
    return archived


def read_lake(lake: LocalLake) -> dict[str, Counter[str]]:
    """The event ids in each lake table, with how many rows each has (DuckDB over Parquet)."""
    found: dict[str, Counter[str]] = {}
    with lake.open() as catalog:
        for name in catalog.tables:
            rows = catalog.connection.execute(
                f'SELECT id, count(*) FROM "{catalog.database}"."{name}" GROUP BY id'  # noqa: S608
            ).fetchall()
            found[name] = Counter({str(event_id): int(n) for event_id, n in rows})
    return found


def gather(
    state: Path,
    root: Path,
    record: Path,
    ledger: Iterable[Mapping[str, str]],
    runtime: LocalRuntime,
) -> Evidence:
    """Everything the invariants read, from a stopped run's state folder."""
    lake = LocalLake.of_project(root, state_dir=state)
    stock, reservations = read_inventory(state / "inventory.sqlite")
    return Evidence(
        accepted=read_accepted(record),
        accepted_at=read_accepted_at(record),
        orders=read_orders(state / "order.sqlite"),
        charges=read_charges(ledger),
        initial_stock=initial_stock(root / "catalog" / "products.json"),
        stock=stock,
        reservations=reservations,
        dead_letters=read_dead_letters(runtime),
        archived=read_archive(runtime, lake),
        lake=read_lake(lake),
    )
