"""How executions are stored: the engine's tables, and an execution read from its row and
written back.

A Standard execution's interpreter tree is written to ``sfn_executions.snapshot`` at every
transition of its top-level states, when it blocks, and before every Task call, in the same
transaction as its new history events (decision note 2026-11-22-saga-engine-durability.md).
Each distinct definition is stored once (``sfn_definitions``); an execution row refers to it.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from typing import Any

import orjson

from ordermesh_platform.sfn.interpreter import Execution, Integrations, awaits_reply
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store

EXECUTIONS_CHANNEL = "sfn:executions"  # store channel notified when an execution becomes due

SCHEMA = """
CREATE TABLE IF NOT EXISTS sfn_state_machines (
    arn TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    type TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL
);
CREATE TABLE IF NOT EXISTS sfn_definitions (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sfn_executions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    arn TEXT NOT NULL UNIQUE,
    state_machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    start_date REAL NOT NULL,
    stop_date REAL,
    definition_id INTEGER NOT NULL REFERENCES sfn_definitions (id),
    role_arn TEXT NOT NULL,
    snapshot TEXT,
    next_at REAL,
    lease_until REAL,
    redrive_count INTEGER NOT NULL DEFAULT 0,
    redrive_date REAL
);
CREATE INDEX IF NOT EXISTS sfn_executions_due ON sfn_executions (next_at)
    WHERE next_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS sfn_executions_by_machine
    ON sfn_executions (state_machine_arn, seq);
CREATE TABLE IF NOT EXISTS sfn_history (
    seq INTEGER PRIMARY KEY,
    execution_arn TEXT NOT NULL,
    id INTEGER NOT NULL,
    event TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS sfn_history_by_execution ON sfn_history (execution_arn, id);
CREATE TABLE IF NOT EXISTS sfn_tokens (
    token TEXT PRIMARY KEY,
    execution_arn TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sfn_signals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_arn TEXT NOT NULL,
    token TEXT NOT NULL,
    signal TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sfn_signals_by_execution ON sfn_signals (execution_arn, seq);
"""

LEASE_SECONDS = 900.0  # longer than any local Task call; cleared when the runtime starts


def stored(value: Any) -> str:
    """Compact JSON for the engine's own rows (snapshots, events): orjson, which is several
    times faster than json; integers beyond 64 bits fall back to json."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return compact_json(value)


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def open_tables(store: Store) -> None:
    """Create the engine's tables, and migrate a store written by an older engine."""
    store.ensure_schema(SCHEMA)
    with store.write() as conn:
        _migrate(conn)


def _migrate(conn: sqlite3.Connection) -> None:
    """Move the definitions of a store written before ``sfn_definitions`` out of the
    execution rows (each row held its own copy of its definition)."""
    columns = {row["name"] for row in conn.execute("PRAGMA table_info(sfn_executions)")}
    if "definition_id" in columns:
        return
    conn.execute(
        "ALTER TABLE sfn_executions ADD COLUMN definition_id INTEGER "
        "REFERENCES sfn_definitions (id)"
    )
    for (text,) in conn.execute("SELECT DISTINCT definition FROM sfn_executions").fetchall():
        conn.execute(
            "UPDATE sfn_executions SET definition_id = ? WHERE definition = ?",
            (store_definition(conn, text), text),
        )
    conn.execute("ALTER TABLE sfn_executions DROP COLUMN definition")


def store_definition(conn: sqlite3.Connection, text: str) -> int:
    """The id of a definition's text in ``sfn_definitions``, added if it is new."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    conn.execute(
        "INSERT OR IGNORE INTO sfn_definitions (digest, definition) VALUES (?, ?)", (digest, text)
    )
    row = conn.execute("SELECT id FROM sfn_definitions WHERE digest = ?", (digest,)).fetchone()
    found: int = row["id"]
    return found


class ExecutionStore:
    """Executions read from their rows (``load``) and written back (``persist``)."""

    def __init__(
        self, store: Store, clock: Clock, integrations: Integrations, rng: random.Random
    ) -> None:
        self.store = store
        self.clock = clock
        self.integrations = integrations
        self._rng = rng
        self._definitions: dict[int, dict[str, Any]] = {}  # id -> parsed (ids never change)

    def _definition(self, definition_id: int) -> dict[str, Any]:
        definition = self._definitions.get(definition_id)
        if definition is None:
            row = (
                self.store.connection()
                .execute("SELECT definition FROM sfn_definitions WHERE id = ?", (definition_id,))
                .fetchone()
            )
            definition = self._definitions[definition_id] = json.loads(row["definition"])
        return definition

    def load(self, row: sqlite3.Row) -> Execution:
        snapshot = orjson.loads(row["snapshot"]) if row["snapshot"] else None
        return Execution(
            self._definition(row["definition_id"]),
            execution_arn=row["arn"],
            state_machine_arn=row["state_machine_arn"],
            name=row["name"],
            execution_input=json.loads(row["input"]),
            start_time=row["start_date"],
            role_arn=row["role_arn"],
            now=self.clock.now,
            integrations=self.integrations,
            rng=random.Random(self._rng.getrandbits(64)),  # noqa: S311
            snapshot=snapshot,
        )

    def persist(
        self,
        conn: sqlite3.Connection,
        row: sqlite3.Row,
        execution: Execution,
        *,
        final: bool,
        progress: str | None = None,
        signals_upto: int = 0,
    ) -> None:
        """Write the new events and the snapshot; with ``final``, release the lease."""
        arn = row["arn"]
        events = execution.take_events()
        if events and row["type"] == "STANDARD":
            conn.executemany(
                "INSERT INTO sfn_history (execution_arn, id, event) VALUES (?, ?, ?)",
                [(arn, e["id"], stored(e)) for e in events],
            )
        if signals_upto:
            conn.execute(
                "DELETE FROM sfn_signals WHERE execution_arn = ? AND seq <= ?", (arn, signals_upto)
            )
        self._sync_tokens(conn, arn, execution)
        status = execution.status
        state = execution.state
        now = self.clock.now()
        if status != "RUNNING":
            conn.execute(
                "UPDATE sfn_executions SET status = ?, output = ?, error = ?, cause = ?, "
                "stop_date = ?, snapshot = ?, next_at = NULL, lease_until = NULL WHERE arn = ?",
                (
                    status,
                    compact_json(state["output"]) if status == "SUCCEEDED" else None,
                    state["error"],
                    state["cause"],
                    now,
                    stored(state),
                    arn,
                ),
            )
            conn.execute("DELETE FROM sfn_signals WHERE execution_arn = ?", (arn,))
            return
        if not final:
            conn.execute(
                "UPDATE sfn_executions SET snapshot = ? WHERE arn = ?", (stored(state), arn)
            )
            return
        next_at = execution.wake_at()
        if progress == "YIELD":
            next_at = now
        pending = conn.execute(
            "SELECT 1 FROM sfn_signals WHERE execution_arn = ? LIMIT 1", (arn,)
        ).fetchone()
        if pending is not None:
            next_at = now
        conn.execute(
            "UPDATE sfn_executions SET snapshot = ?, next_at = ?, lease_until = NULL WHERE arn = ?",
            (stored(state), next_at, arn),
        )
        if next_at is not None and next_at <= now:
            self.store.notify(EXECUTIONS_CHANNEL)

    def _sync_tokens(self, conn: sqlite3.Connection, arn: str, execution: Execution) -> None:
        """Register the tokens tasks may be sent; mark timed-out ones."""
        for frame in execution.frames():
            token = frame.get("token")
            if not token:
                continue
            if awaits_reply(frame):
                conn.execute(
                    "INSERT OR IGNORE INTO sfn_tokens (token, execution_arn, status, created_at) "
                    "VALUES (?, ?, 'open', ?)",
                    (token, arn, self.clock.now()),
                )
            else:
                frame["token"] = None
                status = "timed-out" if frame.get("timed_out") else "closed"
                conn.execute(
                    "UPDATE sfn_tokens SET status = ? WHERE token = ? AND status = 'open'",
                    (status, token),
                )
        if execution.status != "RUNNING":
            conn.execute(
                "UPDATE sfn_tokens SET status = 'closed' WHERE execution_arn = ? "
                "AND status = 'open'",
                (arn,),
            )
