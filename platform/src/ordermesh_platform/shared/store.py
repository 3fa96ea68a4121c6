"""The runtime's durable state: one SQLite database in WAL mode under ``.ordermesh/``.

Every component (bus archive, queues, function invocations, streams) keeps its state here, so a
crash or a restart loses nothing that was accepted. Each thread gets its own connection; writes
go through ``write()``, a ``BEGIN IMMEDIATE`` transaction that commits on success and rolls back
on error. ``synchronous=NORMAL`` survives a killed process (the case the runtime guards against);
``durability="full"`` also survives power loss, at the cost of an fsync per commit.

Components that create work (a message sent, an invoke queued, an execution due) ``notify`` a
channel; the worker that does that work ``listen``s to it and wakes as soon as the transaction
commits, instead of finding the work on its next poll. As with PostgreSQL's NOTIFY, listeners
hear of a write only once it is committed, and never of one rolled back.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, Protocol

from ordermesh_contracts.sqlite import ThreadConnections

DEFAULT_DIR = Path(".ordermesh")
DATABASE_NAME = "runtime.sqlite3"
# Writers fold the WAL back into the database only past ~40 MB; the runtime's housekeeping
# checkpoints every few seconds off the delivery path (``checkpoint``).
WAL_AUTOCHECKPOINT_PAGES = 10_000


class Listener(Protocol):
    """Told of committed work (``threading.Event`` is one)."""

    def set(self) -> None: ...


class Store:
    """A SQLite database shared by the runtime's threads."""

    def __init__(
        self,
        path: Path,
        *,
        durability: Literal["normal", "full"] = "normal",
        busy_timeout_ms: int = 30_000,
    ) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connections = ThreadConnections(
            path,
            busy_timeout_ms=busy_timeout_ms,
            synchronous=durability.upper(),
            pragmas=("foreign_keys = ON", f"wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}"),
        )
        self._local = threading.local()  # ``notices``: channels to wake when this thread commits
        self._lock = threading.Lock()
        self._schemas: set[str] = set()
        self._listeners: dict[str, list[Listener]] = {}
        with self.write() as conn:
            conn.execute("PRAGMA user_version")  # creates the file, takes the write lock once

    @classmethod
    def in_directory(
        cls, directory: Path = DEFAULT_DIR, *, durability: Literal["normal", "full"] = "normal"
    ) -> Store:
        return cls(directory / DATABASE_NAME, durability=durability)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit mode: transactions are explicit)."""
        return self._connections.connection()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        conn = self.connection()
        if conn.in_transaction:  # nested use joins the outer transaction
            yield conn
            return
        self._local.notices = set()
        try:
            with self._connections.transaction():
                yield conn
        except BaseException:
            self._local.notices = set()
            raise
        notices, self._local.notices = self._local.notices, set()
        for channel in notices:
            self._wake(channel)

    # --- notifications ------------------------------------------------------------------------
    def listen(self, channels: Iterable[str], listener: Listener | None = None) -> Listener:
        """``listener`` (or a new ``threading.Event``), set whenever work is committed on any of
        ``channels``; an event's owner clears it before looking for work."""
        listener = listener or threading.Event()
        with self._lock:
            for channel in channels:
                self._listeners.setdefault(channel, []).append(listener)
        return listener

    def unlisten(self, listener: Listener) -> None:
        """``listener`` hears of nothing more."""
        with self._lock:
            for listeners in self._listeners.values():
                while listener in listeners:
                    listeners.remove(listener)

    def notify(self, channel: str) -> None:
        """Wake ``channel``'s listeners when this thread's write transaction commits (at once
        outside one); a rollback drops the notice."""
        if self.connection().in_transaction:
            self._local.notices.add(channel)
        else:
            self._wake(channel)

    def _wake(self, channel: str) -> None:
        for listener in self._listeners.get(channel, ()):
            listener.set()

    def execute(
        self, sql: str, parameters: tuple[object, ...], conn: sqlite3.Connection | None = None
    ) -> None:
        """One write statement: inside ``conn``'s transaction when given, else in its own."""
        if conn is not None:
            conn.execute(sql, parameters)
            return
        with self.write() as own:
            own.execute(sql, parameters)

    def ensure_schema(self, ddl: str) -> None:
        """Create a component's tables and indexes (idempotent ``CREATE ... IF NOT EXISTS``)."""
        if ddl in self._schemas:
            return
        conn = self.connection()
        conn.executescript(ddl)
        self._schemas.add(ddl)

    def checkpoint(self) -> None:
        """Copy committed WAL pages into the database without blocking readers or writers."""
        self.connection().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        self._connections.close()
        self._local = threading.local()
