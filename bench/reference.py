"""The reference workload the orders benchmark measures CPU per order against: fixed work of the
kinds an order costs the runtime, timed in a fresh interpreter so that nothing of the code under
test changes it.

Each of ``ORDERS`` small orders goes the way an order's events go through the runtime, in one
thread: encoded as JSON; parsed, checked against a JSON Schema (jsonschema-rs), built into a
pydantic model and dumped as an event, committed to SQLite with a second row; read back, parsed
and deleted in a second commit. SQLite is on disk in WAL mode with ``synchronous=NORMAL``, as the
runtime's store, so each commit makes the same kind of system calls. The figure is the thread
CPU of one round, in milliseconds: the median of ``ROUNDS`` after a warm-up round, each after a
full garbage collection (without it, rounds alternated between two levels 20% apart).

No threads hand work over here, although the runtime's do: a version that did (three threads,
bounded queues) measured anywhere from 60 to 160 ms for the same work, by where the scheduler put
its threads at the moment, which a reference must not depend on (decision note
orders-target-normalised).

Change nothing here without changing ``NAME`` and measuring the baseline again: the orders target
is a multiple of this workload's CPU, so another workload makes every earlier ratio meaningless.
Python's, SQLite's, pydantic's and jsonschema-rs's versions are part of it too.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

NAME = "runtime-mix/1"
ORDERS = 400  # per round
ROUNDS = 7

SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["customerId", "currency", "lines", "shippingAddress"],
    "properties": {
        "customerId": {"type": "string", "pattern": "^cus_[A-Za-z0-9]+$"},
        "currency": {"enum": ["EUR", "USD", "GBP"]},
        "lines": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["sku", "quantity", "unitPrice"],
                "properties": {
                    "sku": {"type": "string", "pattern": "^[A-Z]+-[0-9]{4}$"},
                    "quantity": {"type": "integer", "minimum": 1},
                    "unitPrice": {
                        "type": "object",
                        "required": ["amount", "currency"],
                        "properties": {
                            "amount": {"type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$"},
                            "currency": {"type": "string"},
                        },
                    },
                },
            },
        },
        "shippingAddress": {"type": "object", "required": ["name", "line1", "city", "country"]},
    },
}
SKUS = (("BOOK-0001", "39.90"), ("BOOK-0002", "44.50"), ("MUG-0001", "12.00"))


def _order_model() -> Any:
    from pydantic import BaseModel, Field

    class Money(BaseModel):
        amount: Decimal
        currency: str

    class Line(BaseModel):
        sku: str
        quantity: int = Field(ge=1)
        unitPrice: Money  # noqa: N815 (the contract's field names)

    class Address(BaseModel):
        name: str
        line1: str
        city: str
        postalCode: str  # noqa: N815
        country: str

    class Order(BaseModel):
        orderId: str  # noqa: N815
        customerId: str  # noqa: N815
        currency: str
        lines: list[Line]
        shippingAddress: Address  # noqa: N815
        placedAt: datetime  # noqa: N815

    return Order


def _body(i: int) -> dict[str, Any]:
    return {
        "customerId": f"cus_ref{i:05d}",
        "currency": "EUR",
        "lines": [
            {"sku": s, "quantity": 1 + (i + n) % 3, "unitPrice": {"amount": p, "currency": "EUR"}}
            for n, (s, p) in enumerate(SKUS[: 1 + i % 3])
        ],
        "shippingAddress": {
            "name": "Ada",
            "line1": "1 Main St",
            "city": "Berlin",
            "postalCode": "10115",
            "country": "DE",
        },
    }


def _round(path: Path, validator: Any, order_model: Any) -> float:
    """One round's thread CPU in milliseconds, on a new database at ``path``."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE events (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
    conn.execute("CREATE TABLE totals (customer TEXT PRIMARY KEY, amount TEXT)")
    gc.collect()
    start = time.thread_time()
    for i in range(ORDERS):
        data = json.loads(json.dumps(_body(i)))
        if not validator.is_valid(data):
            raise ValueError(data)
        order = order_model.model_validate(
            {**data, "orderId": f"ord_{i:08d}", "placedAt": "2026-12-05T10:00:00Z"}
        )
        total = sum(line.unitPrice.amount * line.quantity for line in order.lines)
        event_id = f"evt_{i:08d}"
        event = {"id": event_id, "detail-type": "OrderPlaced", "detail": order.model_dump()}
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO events VALUES (?, ?)", (event_id, json.dumps(event, default=str)))
        conn.execute("INSERT OR REPLACE INTO totals VALUES (?, ?)", (order.customerId, str(total)))
        conn.execute("COMMIT")
        (body,) = conn.execute("SELECT body FROM events WHERE id = ?", (event_id,)).fetchone()
        if json.loads(body)["detail"]["orderId"] != order.orderId:
            raise ValueError(body)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM events WHERE id = ?", (event_id,))
        conn.execute("COMMIT")
    spent = time.thread_time() - start
    conn.close()
    return spent * 1000


def measure(rounds: int = ROUNDS) -> list[float]:
    """Milliseconds of CPU of each round, in this interpreter."""
    import jsonschema_rs

    validator, order_model = jsonschema_rs.validator_for(SCHEMA), _order_model()
    with tempfile.TemporaryDirectory() as tmp:
        _round(Path(tmp) / "warm-up.sqlite3", validator, order_model)
        return [
            _round(Path(tmp) / f"round-{n}.sqlite3", validator, order_model) for n in range(rounds)
        ]


def reference_ms() -> float:
    """The workload's CPU in milliseconds (the median of its rounds), in a fresh interpreter."""
    out = subprocess.run(  # noqa: S603 (this file, run by this interpreter)
        [sys.executable, __file__], capture_output=True, text=True, check=True
    ).stdout
    return statistics.median(json.loads(out))


if __name__ == "__main__":
    print(json.dumps(measure()))
