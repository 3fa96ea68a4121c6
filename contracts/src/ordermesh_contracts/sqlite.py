"""Per-thread connections to one SQLite file in WAL mode: how every local adapter opens its
database (the services' stores, the idempotency layer, the runtime's store).

Each thread gets its own connection, in autocommit mode (transactions are explicit), with a busy
timeout and ``synchronous`` set. The switch to WAL takes an exclusive lock and does not wait for
it (SQLite answers "database is locked" at once), so threads and processes opening a new file
together retry it for up to the busy timeout; once the file is in WAL it is a no-op. A forked
child never uses (or closes) a connection its parent opened.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

# Connections a forked child inherited from its parent: kept referenced and never closed, since
# SQLite connections must not be used or closed across fork().
_inherited: list[sqlite3.Connection] = []


class ThreadConnections:
    """This thread's connection to ``path`` (opened on first use) and ``close`` for all of them.

    ``pragmas`` run on every new connection after the standard ones; ``on_open`` then gets it
    (a schema to create, say). ``row_factory`` is set on each connection.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        busy_timeout_ms: int,
        synchronous: str = "NORMAL",
        pragmas: Iterable[str] = (),
        row_factory: Callable[[sqlite3.Cursor, tuple[Any, ...]], Any] | None = sqlite3.Row,
        on_open: Callable[[sqlite3.Connection], object] | None = None,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self._pragmas = (
            f"busy_timeout = {int(busy_timeout_ms)}",
            f"synchronous = {synchronous}",
            *pragmas,
        )
        self._row_factory = row_factory
        self._on_open = on_open
        self._pid = os.getpid()
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def connection(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # a forked child: start afresh
            _inherited.extend(self._opened)
            self._pid = os.getpid()
            self._local = threading.local()
            self._opened = []
            self._lock = threading.Lock()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close every connection opened so far; threads using the file afterwards reconnect."""
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
        self._local = threading.local()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Used only by the thread that opens it; close() may run on another thread.
        conn = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout_ms / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.row_factory = self._row_factory
        use_wal(conn, self.busy_timeout_ms)
        for pragma in self._pragmas:
            conn.execute(f"PRAGMA {pragma}")
        if self._on_open is not None:
            self._on_open(conn)
        with self._lock:
            self._opened.append(conn)
        return conn


def use_wal(conn: sqlite3.Connection, busy_timeout_ms: int) -> None:
    """Switch ``conn``'s file to WAL, retrying while another connection holds the lock the
    switch needs (for up to the busy timeout)."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.005)
        else:
            return
