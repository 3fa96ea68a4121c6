"""Per-thread SQLite connections: one per thread, in WAL, with the pragmas asked for, each
prepared once; closed together, and reopened on the next use."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from ordermesh_contracts.sqlite import ThreadConnections


def test_each_thread_gets_its_own_connection_in_wal(tmp_path: Path) -> None:
    opened: list[sqlite3.Connection] = []
    connections = ThreadConnections(
        tmp_path / "sub" / "db.sqlite",
        busy_timeout_ms=1234,
        pragmas=("foreign_keys = ON",),
        on_open=opened.append,
    )
    mine = connections.connection()
    assert connections.connection() is mine  # the same one again in this thread
    theirs: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: theirs.append(connections.connection()))
    thread.start()
    thread.join()
    assert theirs[0] is not mine
    assert opened == [mine, theirs[0]]
    assert mine.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert mine.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
    assert mine.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert mine.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert isinstance(mine.execute("SELECT 1 AS one").fetchone(), sqlite3.Row)
    assert not mine.in_transaction  # autocommit: transactions are explicit


def test_close_closes_every_thread_s_connection_and_the_next_use_reopens(
    tmp_path: Path,
) -> None:
    connections = ThreadConnections(tmp_path / "db.sqlite", busy_timeout_ms=1000, row_factory=None)
    first = connections.connection()
    assert first.execute("SELECT 1").fetchone() == (1,)  # plain tuples without a row factory
    connections.close()
    again = connections.connection()
    assert again is not first
    assert again.execute("SELECT 2").fetchone() == (2,)
