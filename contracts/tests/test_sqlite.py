"""Per-thread SQLite connections: one per thread, in WAL, with the pragmas asked for, each
prepared once; closed together, and reopened on the next use."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
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


def _table(connections: ThreadConnections) -> None:
    with connections.transaction() as conn:
        conn.execute("CREATE TABLE t (n INTEGER)")


def _insert_then_fail(connections: ThreadConnections) -> None:
    """The block fails after an insert, which must then be undone."""
    with connections.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (3)")
        conn.execute("INSERT INTO nowhere VALUES (1)")


def test_a_transaction_commits_at_the_end_of_its_block_and_rolls_back_if_it_raises(
    tmp_path: Path,
) -> None:
    connections = ThreadConnections(tmp_path / "db.sqlite", busy_timeout_ms=1000)
    _table(connections)
    with connections.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
        with connections.transaction() as inner:  # joins the outer one
            inner.execute("INSERT INTO t VALUES (2)")
        assert conn.in_transaction
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        _insert_then_fail(connections)
    reader = sqlite3.connect(tmp_path / "db.sqlite")
    assert reader.execute("SELECT n FROM t ORDER BY n").fetchall() == [(1,), (2,)]
    # the lock was let go both times: another thread can write
    thread = threading.Thread(target=lambda: connections.begin() and connections.end(commit=True))
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_writers_of_one_file_wait_for_each_other_in_process_not_in_sqlite(
    tmp_path: Path,
) -> None:
    # Two stores on one file (a service's table and its idempotency records, say) share the
    # lock. SQLite's own wait is switched off (busy timeout 0 answers "locked" at once), so a
    # second writer that got past the lock while the first held the file would fail.
    first = ThreadConnections(tmp_path / "db.sqlite", busy_timeout_ms=5000)
    second = ThreadConnections(
        tmp_path / "db.sqlite", busy_timeout_ms=5000, pragmas=("busy_timeout = 0",)
    )
    _table(first)
    started, results = threading.Event(), []

    def late_writer() -> None:
        started.set()
        with second.transaction() as conn:
            conn.execute("INSERT INTO t VALUES (2)")
        results.append("second")

    conn = first.begin()
    conn.execute("INSERT INTO t VALUES (1)")
    thread = threading.Thread(target=late_writer)
    thread.start()
    started.wait()
    thread.join(timeout=0.2)
    assert thread.is_alive()  # waiting for the lock, not failed
    results.append("first")
    first.end(commit=True)
    thread.join(timeout=5)
    assert results == ["first", "second"]
    assert second.connection().execute("SELECT count(*) FROM t").fetchone()[0] == 2


def test_end_without_begin_does_nothing_and_writing_holds_the_lock(tmp_path: Path) -> None:
    connections = ThreadConnections(tmp_path / "db.sqlite", busy_timeout_ms=100)
    _table(connections)
    connections.end(commit=True)  # nothing begun: no lock released that was not held
    with connections.writing() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
        other = ThreadConnections(tmp_path / "db.sqlite", busy_timeout_ms=100)
        errors: list[BaseException] = []

        def try_write() -> None:
            try:
                with other.transaction():
                    pass
            except sqlite3.OperationalError as exc:
                errors.append(exc)

        thread = threading.Thread(target=try_write)
        thread.start()
        thread.join(timeout=5)
        assert [str(e) for e in errors] == [f"database is locked: {tmp_path / 'db.sqlite'}"]
    assert connections.connection().execute("SELECT count(*) FROM t").fetchone()[0] == 1
