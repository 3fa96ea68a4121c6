"""Per-thread connections to one SQLite file in WAL mode: how every local adapter opens its
database (the services' stores, the idempotency layer, the runtime's store).

Each thread gets its own connection, in autocommit mode (transactions are explicit), with a busy
timeout and ``synchronous`` set. The switch to WAL takes an exclusive lock and does not wait for
it (SQLite answers "database is locked" at once), so threads and processes opening a new file
together retry it for up to the busy timeout; once the file is in WAL it is a no-op. A forked
child never uses (or closes) a connection its parent opened.

Writers of one process queue for the file's write lock on a lock of their own (one per file,
shared by every ``ThreadConnections`` on it) before ``BEGIN IMMEDIATE``, so they wake as soon as
the previous writer commits; SQLite's busy handler, which sleeps in growing steps of up to
100 ms between tries, then only arbitrates between processes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Connections a forked child inherited from its parent: kept referenced and never closed, since
# SQLite connections must not be used or closed across fork().
_inherited: list[sqlite3.Connection] = []


class _Writers:
    """This process's writer lock of each file, by resolved path."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[Path, threading.Lock] = {}

    def of(self, path: Path) -> threading.Lock:
        key = path.resolve()
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def forget(self) -> None:
        """In a forked child: the parent's locks may be held by threads that do not exist
        here."""
        self._guard = threading.Lock()
        self._locks = {}


_writers = _Writers()


class _Forks:
    """How many times this process's line was forked: a connection opened before the last fork
    belongs to the parent. (Cheaper than comparing ``os.getpid()``, a system call, on every use.)
    """

    generation = 0

    @classmethod
    def forked(cls) -> None:
        cls.generation += 1
        _writers.forget()


os.register_at_fork(after_in_child=_Forks.forked)


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
        self._generation = _Forks.generation
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writer = _writers.of(self.path)

    def connection(self) -> sqlite3.Connection:
        if self._generation != _Forks.generation:  # a forked child: start afresh
            _inherited.extend(self._opened)
            self._generation = _Forks.generation
            self._local = threading.local()
            self._opened = []
            self._lock = threading.Lock()
            self._writer = _writers.of(self.path)
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction on this thread's connection: ``BEGIN IMMEDIATE`` once this
        process's other writers of the file are done, committed when the block ends, rolled back
        if it raises. A block inside another joins it."""
        conn = self.connection()
        if conn.in_transaction:
            yield conn
            return
        self.begin()
        try:
            yield conn
        except BaseException:
            self.end(commit=False)
            raise
        self.end(commit=True)

    def begin(self) -> sqlite3.Connection:
        """Start a write transaction (``transaction`` split in two, for a unit of work whose
        commit and rollback are separate calls); ``end`` finishes it."""
        conn = self.connection()
        self._acquire()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._writer.release()
            raise
        self._local.writing = True
        return conn

    def end(self, *, commit: bool) -> None:
        """Commit (or roll back) the transaction ``begin`` started; after ``end``, nothing."""
        if not getattr(self._local, "writing", False):
            return
        conn = self.connection()
        try:
            if conn.in_transaction and commit:
                try:
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            elif conn.in_transaction:
                conn.execute("ROLLBACK")
        finally:
            self._local.writing = False
            self._writer.release()

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection while no other thread of this process writes the file:
        for an autocommitted write statement."""
        self._acquire()
        try:
            yield self.connection()
        finally:
            self._writer.release()

    def _acquire(self) -> None:
        if not self._writer.acquire(timeout=self.busy_timeout_ms / 1000):
            raise sqlite3.OperationalError(f"database is locked: {self.path}")

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
