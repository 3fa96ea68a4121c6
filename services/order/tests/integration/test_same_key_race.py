"""Same-key POSTs racing on the real SQLite store: two processes, each with its own connection,
place the same order under the same Idempotency-Key at the same moment, many times over.

The end-to-end system cannot show this race: the local runtime runs one invocation of a function
at a time (decision note one-invocation-per-function), so two POSTs never reach the store
together. Here nothing serializes them but the store itself (the unit of work's write
transaction, taken before the key is looked up, and the keys' primary key)."""

from __future__ import annotations

import multiprocessing
import sqlite3
from contextlib import closing
from multiprocessing.synchronize import Barrier
from pathlib import Path

from order_service.adapters.memory import SetCatalog
from order_service.adapters.sqlite import SCHEMA, SqliteDatabase, SqliteUnitOfWork
from order_service.adapters.system import SystemClock, UlidIds
from order_service.domain.order import Address, LineRequest
from order_service.service_layer.commands import PlaceOrder
from order_service.service_layer.orders import Ports, place_order

ROUNDS = 150
RACERS = 2
LISBON = Address("Ana Ferreira", "Rua Augusta 27", "Lisboa", "1100-048", "PT")
Answer = tuple[str, str, bool]  # key, order id (or the error), whether this call created it


def command(key: str) -> PlaceOrder:
    return PlaceOrder(
        customer_id="cus_8H2KQ1",
        currency="EUR",
        lines=(LineRequest("MUG-BLUE-350", 2, "12.50", "EUR"),),
        shipping_address=LISBON,
        request_id=f"req-{key}",
        idempotency_key=key,
    )


def racer(path: Path, barrier: Barrier, answers: multiprocessing.Queue[list[Answer]]) -> None:
    """One client: its own connection; each round it waits for the other, then places."""
    db = SqliteDatabase(path)
    ports = Ports(SqliteUnitOfWork(db), SetCatalog({"MUG-BLUE-350"}), SystemClock(), UlidIds())
    found: list[Answer] = []
    for n in range(ROUNDS):
        key = f"race-{n:04d}"
        barrier.wait(timeout=30)
        try:
            placed = place_order(command(key), ports)
        except Exception as exc:  # noqa: BLE001 - the client's 500, reported by the test
            found.append((key, f"error: {exc!r}", False))
            continue
        found.append((key, placed.order.order_id, placed.created))
    answers.put(found)


def test_the_same_key_posted_at_once_from_two_processes_makes_one_order(tmp_path: Path) -> None:
    # Given a store made before the racers start, and two processes at a barrier
    path = tmp_path / "order.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(SCHEMA)
    context = multiprocessing.get_context("fork")  # no connection open here to be inherited
    barrier = context.Barrier(RACERS)
    answers: multiprocessing.Queue[list[Answer]] = context.Queue()
    racers = [context.Process(target=racer, args=(path, barrier, answers)) for _ in range(RACERS)]

    # When both place the same order under the same key, round after round
    for process in racers:
        process.start()
    results = [answers.get(timeout=120) for _ in racers]
    for process in racers:
        process.join(timeout=30)
        assert process.exitcode == 0

    # Then each key has one order: both answers name it, exactly one of them created it
    by_key: dict[str, list[tuple[str, bool]]] = {}
    for found in results:
        for key, order_id, created in found:
            by_key.setdefault(key, []).append((order_id, created))
    assert len(by_key) == ROUNDS
    errors = [order for ids in by_key.values() for order, _ in ids if order.startswith("error")]
    assert errors[:3] == []
    split = {k: ids for k, ids in by_key.items() if len({order for order, _ in ids}) != 1}
    assert split == {}
    created = {k: n for k, ids in by_key.items() if (n := sum(c for _, c in ids)) != 1}
    assert created == {}
    with closing(sqlite3.connect(path)) as conn:
        orders = conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
        keys = conn.execute("SELECT COUNT(DISTINCT order_id) FROM order_idempotency_keys")
        assert (orders, keys.fetchone()[0]) == (ROUNDS, ROUNDS)
