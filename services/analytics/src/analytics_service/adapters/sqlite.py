"""The KPI store in SQLite (the local runtime's): one transaction per batch.

The record of counted events has the event id as its primary key, so a chunk holding an event
already counted fails its insert and the whole transaction rolls back. Each batch also forgets
a bounded number of records of events a day of event time behind the final watermark, which
DynamoDB does with a time to live: delivered again, those events are late. Counters are added with
an upsert through ``kpi_add``, a function of the connection that adds integers as integers and
decimal amounts (stored as text) exactly. The cap on a dimension's values in a window is decided
inside the batch's transaction (``BEGIN IMMEDIATE``: no other writer between the read of what the
window holds and the write), from the counters' primary key.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ordermesh_contracts.sqlite import ThreadConnections

from analytics_service.adapters import anomaly_json
from analytics_service.adapters.ports import (
    AlreadyCountedError,
    KpiStore,
    RecordedAnomaly,
    Scoring,
    from_micros,
    micros,
)
from analytics_service.domain.anomaly import Anomaly
from analytics_service.domain.windows import (
    DEFAULT_MAX_VALUES,
    OTHER,
    Capped,
    Counters,
    Effect,
    Granularity,
    Held,
    SagaMark,
    SagaState,
    ShardState,
    WindowKey,
    WindowKpis,
    capped,
)
from analytics_service.domain.windows.cap import prefix
from analytics_service.domain.windows.counters import Number

SCHEMA = """
CREATE TABLE IF NOT EXISTS kpi_counters (
    granularity TEXT NOT NULL,
    start INTEGER NOT NULL,  -- microseconds since the epoch
    name TEXT NOT NULL,
    value NOT NULL,          -- an integer, or a decimal amount as text
    PRIMARY KEY (granularity, start, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kpi_counted_events (
    event_id TEXT PRIMARY KEY,
    counted_at INTEGER NOT NULL,
    minute INTEGER           -- the start of the event's minute window (see _open for old rows)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kpi_sagas (
    correlation_id TEXT PRIMARY KEY,
    started_at INTEGER,
    finished_at INTEGER,
    outcome TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kpi_shards (
    shard_id TEXT PRIMARY KEY,
    latest INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,
    arrived INTEGER,         -- NULL in rows written before it was kept: taken as seen_at
    held_through TEXT,       -- the sequence key of the last record held (NULL: none)
    held_since INTEGER
);
CREATE TABLE IF NOT EXISTS kpi_final_watermark (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    watermark INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS anomaly_scoring (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    scored_until INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS anomaly_models (
    series TEXT PRIMARY KEY,
    state TEXT NOT NULL      -- the model's state as JSON
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS anomalies (
    anomaly_id TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    data TEXT NOT NULL,      -- the AnomalyDetected data as JSON
    published_at INTEGER
);
CREATE INDEX IF NOT EXISTS anomalies_by_window ON anomalies (window_start);
CREATE INDEX IF NOT EXISTS anomalies_unpublished ON anomalies (window_start)
    WHERE published_at IS NULL;
"""
_ADD = (
    "INSERT INTO kpi_counters (granularity, start, name, value) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (granularity, start, name) DO UPDATE SET value = kpi_add(value, excluded.value)"
)
_MAX_VARIABLES = 500
# The record that an event was counted is kept until the final watermark is this far past the
# event's minute (DynamoDB: a time to live), and at most this many are deleted per batch.
COUNTED_PAST_FINAL = timedelta(hours=24)
FORGET_PER_BATCH = 1000


def kpi_add(a: int | str, b: int | str) -> int | str:
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    return str(Decimal(str(a)) + Decimal(str(b)))


def _stored(value: Number) -> int | str:
    return value if isinstance(value, int) else str(value)


def _number(value: int | str) -> Number:
    return value if isinstance(value, int) else Decimal(value)


def _open(conn: sqlite3.Connection) -> None:
    conn.create_function("kpi_add", 2, kpi_add, deterministic=True)
    conn.executescript(SCHEMA)
    _add_column(conn, "kpi_shards", "arrived", "INTEGER")
    _add_column(conn, "kpi_shards", "held_through", "TEXT")
    _add_column(conn, "kpi_shards", "held_since", "INTEGER")
    if _add_column(conn, "kpi_counted_events", "minute", "INTEGER"):
        # records of a file from before: their counting time stands for their minute (it is
        # later, so they are forgotten later, never sooner)
        conn.execute("UPDATE kpi_counted_events SET minute = counted_at WHERE minute IS NULL")
    conn.executescript(
        "DROP INDEX IF EXISTS kpi_counted_events_by_age;"
        "CREATE INDEX IF NOT EXISTS kpi_counted_events_by_minute ON kpi_counted_events (minute);"
    )


def _add_column(conn: sqlite3.Connection, table: str, name: str, kind: str) -> bool:
    """Add column ``name`` to a ``table`` created before it existed (its rows get NULL);
    whether this call added it."""
    if any(row[1] == name for row in conn.execute(f"PRAGMA table_info({table})")):
        return False
    try:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
    except sqlite3.OperationalError as error:  # another connection added it meanwhile
        if "duplicate column" not in str(error):
            raise
        return False
    return True


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), _MAX_VARIABLES):
        yield items[i : i + _MAX_VARIABLES]


class _Held:
    """What the windows hold, read on the connection of the batch's transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def present(self, window: WindowKey, counters: Collection[str]) -> set[str]:
        found: set[str] = set()
        for part in _chunks(list(counters)):
            marks = ",".join("?" * len(part))
            sql = (
                "SELECT name FROM kpi_counters WHERE granularity = ? AND start = ? "  # noqa: S608
                f"AND name IN ({marks})"
            )
            key = (window.granularity.value, micros(window.start))
            found.update(row[0] for row in self._conn.execute(sql, (*key, *part)))
        return found

    def held(self, window: WindowKey, dimension: str) -> int:
        start = prefix(dimension)
        end = start[:-1] + chr(ord(start[-1]) + 1)  # every name starting with ``start``
        row = self._conn.execute(
            "SELECT count(*) FROM kpi_counters WHERE granularity = ? AND start = ? "
            "AND name >= ? AND name < ? AND name != ?",
            (window.granularity.value, micros(window.start), start, end, start + OTHER),
        ).fetchone()
        return int(row[0])


class SqliteKpiStore(KpiStore):
    def __init__(
        self,
        path: Path,
        *,
        forget_per_batch: int = FORGET_PER_BATCH,
        max_values: int = DEFAULT_MAX_VALUES,
    ) -> None:
        self.path = path
        self._forget_per_batch = forget_per_batch
        self._max_values = max_values
        self._db = ThreadConnections(path, busy_timeout_ms=30_000, on_open=_open)

    def close(self) -> None:
        self._db.close()

    def counted(self, event_ids: Collection[str]) -> set[str]:
        return self._counted(self._db.connection(), list(event_ids))

    @staticmethod
    def _counted(conn: sqlite3.Connection, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in _chunks(ids):
            marks = ",".join("?" * len(part))
            sql = f"SELECT event_id FROM kpi_counted_events WHERE event_id IN ({marks})"  # noqa: S608
            found.update(row[0] for row in conn.execute(sql, part))
        return found

    def apply(self, effects: Sequence[Effect], now: datetime) -> None:
        ids = [e.event_id for e in effects]
        stamp = micros(now)
        try:
            with self._db.transaction() as conn:
                conn.executemany(
                    "INSERT INTO kpi_counted_events (event_id, counted_at, minute) "
                    "VALUES (?, ?, ?)",
                    [(e.event_id, stamp, micros(e.minute.start)) for e in effects],
                )
                added = capped(effects, _Held(conn), self._max_values)
                conn.executemany(_ADD, _rows(added))
                self._write_sagas(conn, effects)
                self._forget_counted(conn)
        except sqlite3.IntegrityError:  # rolled back: which were counted before
            raise AlreadyCountedError(self.counted(ids) or set(ids)) from None

    def _forget_counted(self, conn: sqlite3.Connection) -> None:
        """Delete up to ``forget_per_batch`` records of events whose minute started more than
        ``COUNTED_PAST_FINAL`` before the final watermark: delivered again, such an event is
        late (its window is final), so it is counted in ``late_events`` and nowhere else."""
        row = conn.execute("SELECT watermark FROM kpi_final_watermark WHERE id = 1").fetchone()
        if row is None:
            return
        conn.execute(
            "DELETE FROM kpi_counted_events WHERE event_id IN (SELECT event_id "
            "FROM kpi_counted_events WHERE minute < ? ORDER BY minute LIMIT ?)",
            (micros(from_micros(row[0]) - COUNTED_PAST_FINAL), self._forget_per_batch),
        )

    @staticmethod
    def _write_sagas(conn: sqlite3.Connection, effects: Sequence[Effect]) -> None:
        for effect in effects:
            if effect.saga_id is None:
                continue
            state = effect.saga_write
            if state is None:
                conn.execute("DELETE FROM kpi_sagas WHERE correlation_id = ?", (effect.saga_id,))
                continue
            conn.execute(
                "INSERT OR REPLACE INTO kpi_sagas VALUES (?, ?, ?, ?)",
                (
                    state.correlation_id,
                    None if state.started_at is None else micros(state.started_at),
                    None if state.finished_at is None else micros(state.finished_at),
                    None if state.outcome is None else state.outcome.value,
                ),
            )

    def sagas(self, correlation_ids: Collection[str]) -> dict[str, SagaState]:
        found: dict[str, SagaState] = {}
        conn = self._db.connection()
        for part in _chunks(list(correlation_ids)):
            marks = ",".join("?" * len(part))
            sql = f"SELECT * FROM kpi_sagas WHERE correlation_id IN ({marks})"  # noqa: S608
            for row in conn.execute(sql, part):
                found[row["correlation_id"]] = SagaState(
                    row["correlation_id"],
                    None if row["started_at"] is None else from_micros(row["started_at"]),
                    None if row["finished_at"] is None else from_micros(row["finished_at"]),
                    None if row["outcome"] is None else SagaMark(row["outcome"]),
                )
        return found

    def shards(self) -> dict[str, ShardState]:
        rows = self._db.connection().execute(
            "SELECT shard_id, latest, seen_at, coalesce(arrived, seen_at), held_through, "
            "held_since FROM kpi_shards"
        )
        return {
            r[0]: ShardState(
                r[0],
                from_micros(r[1]),
                from_micros(r[2]),
                from_micros(r[3]),
                None if r[4] is None else Held(r[4], from_micros(r[5])),
            )
            for r in rows
        }

    def save_shard(self, state: ShardState, done: str | None = None) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO kpi_shards (shard_id, latest, seen_at, arrived) "
                "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (shard_id) DO UPDATE SET "
                "latest = max(latest, excluded.latest), "
                "seen_at = excluded.seen_at, "
                "arrived = max(coalesce(arrived, seen_at), excluded.arrived), "
                "held_since = CASE WHEN held_through <= ?5 THEN NULL ELSE held_since END, "
                "held_through = CASE WHEN held_through <= ?5 THEN NULL ELSE held_through END",
                (
                    state.shard_id,
                    micros(state.latest),
                    micros(state.seen_at),
                    micros(state.arrived),
                    done,
                ),
            )

    def hold(self, state: ShardState) -> None:
        held = state.held
        if held is None:
            raise ValueError("a hold is a shard state with held")
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO kpi_shards (shard_id, latest, seen_at, arrived, held_through, "
                "held_since) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (shard_id) DO UPDATE SET "
                "held_through = max(coalesce(held_through, ''), excluded.held_through), "
                "held_since = excluded.held_since",
                (
                    state.shard_id,
                    micros(state.latest),
                    micros(state.seen_at),
                    micros(state.arrived),
                    held.through,
                    micros(held.since),
                ),
            )

    def final_watermark(self) -> datetime | None:
        row = (
            self._db.connection()
            .execute("SELECT watermark FROM kpi_final_watermark WHERE id = 1")
            .fetchone()
        )
        return None if row is None else from_micros(row[0])

    def advance_final(self, before: datetime | None, after: datetime) -> bool:
        with self._db.transaction() as conn:
            if before is None:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO kpi_final_watermark VALUES (1, ?)", (micros(after),)
                )
            else:
                cursor = conn.execute(
                    "UPDATE kpi_final_watermark SET watermark = ? WHERE id = 1 AND watermark = ?",
                    (micros(after), micros(before)),
                )
            return cursor.rowcount == 1

    def windows(self, granularity: Granularity, start: datetime, end: datetime) -> list[WindowKpis]:
        rows = self._db.connection().execute(
            "SELECT start, name, value FROM kpi_counters "
            "WHERE granularity = ? AND start >= ? AND start < ? ORDER BY start",
            (granularity.value, micros(start), micros(end)),
        )
        found: dict[int, Counters] = {}
        for row in rows:
            found.setdefault(row[0], {})[row[1]] = _number(row[2])
        return [
            WindowKpis(WindowKey(granularity, from_micros(s)), counters)
            for s, counters in found.items()
        ]

    # --- anomaly scoring ----------------------------------------------------------------------
    def scored_until(self) -> datetime | None:
        row = (
            self._db.connection()
            .execute("SELECT scored_until FROM anomaly_scoring WHERE id = 1")
            .fetchone()
        )
        return None if row is None else from_micros(row[0])

    def scoring(self) -> Scoring:
        conn = self._db.connection()
        row = conn.execute("SELECT scored_until FROM anomaly_scoring WHERE id = 1").fetchone()
        models = {
            r["series"]: json.loads(r["state"])
            for r in conn.execute("SELECT series, state FROM anomaly_models")
        }
        return Scoring(None if row is None else from_micros(row[0]), models)

    def save_scoring(
        self, before: datetime | None, after: Scoring, anomalies: Sequence[Anomaly]
    ) -> bool:
        if after.scored_until is None:
            raise ValueError("a saved scoring has consumed some windows")
        until = micros(after.scored_until)
        args: tuple[int, ...] = (until,)
        with self._db.transaction() as conn:
            if before is None:
                sql = "INSERT OR IGNORE INTO anomaly_scoring VALUES (1, ?)"
            else:
                sql = (
                    "UPDATE anomaly_scoring SET scored_until = ? WHERE id = 1 AND scored_until = ?"
                )
                args = (until, micros(before))
            if conn.execute(sql, args).rowcount != 1:
                return False
            conn.executemany(
                "INSERT OR REPLACE INTO anomaly_models VALUES (?, ?)",
                [(series, json.dumps(state)) for series, state in after.models.items()],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO anomalies VALUES (?, ?, ?, NULL)",
                [
                    (a.anomaly_id, micros(a.start), json.dumps(anomaly_json.to_json(a)))
                    for a in anomalies
                ],
            )
        return True

    def unpublished(self, limit: int) -> list[Anomaly]:
        rows = self._db.connection().execute(
            "SELECT data FROM anomalies WHERE published_at IS NULL "
            "ORDER BY window_start, anomaly_id LIMIT ?",
            (limit,),
        )
        return [anomaly_json.from_json(json.loads(r[0])) for r in rows]

    def mark_published(self, anomalies: Sequence[Anomaly], now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.executemany(
                "UPDATE anomalies SET published_at = ? WHERE anomaly_id = ?",
                [(micros(now), a.anomaly_id) for a in anomalies],
            )

    def anomalies(self, start: datetime, end: datetime) -> list[RecordedAnomaly]:
        rows = self._db.connection().execute(
            "SELECT data, published_at FROM anomalies WHERE window_start >= ? AND window_start < ? "
            "ORDER BY window_start, anomaly_id",
            (micros(start), micros(end)),
        )
        return [
            RecordedAnomaly(
                anomaly_json.from_json(json.loads(r[0])),
                None if r[1] is None else from_micros(r[1]),
            )
            for r in rows
        ]


def _rows(windows: dict[WindowKey, Capped]) -> Iterator[tuple[str, int, str, int | str]]:
    for key, added in windows.items():
        start = micros(key.start)
        for name, value in added.counters.items():
            yield key.granularity.value, start, name, _stored(value)
