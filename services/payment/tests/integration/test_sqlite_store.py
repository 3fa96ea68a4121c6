"""What the SQLite adapters add to the port suite: WAL, a connection per thread, several
connections (threads or processes) racing on one file."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest
from payment_service.adapters.sqlite import BUSY_TIMEOUT_MS, SqliteDatabase
from payment_service.domain.breaker import BreakerState, BreakerStatus
from payment_service.domain.commands import AuthorizePayment
from payment_service.domain.errors import PaymentConflictError
from payment_service.domain.model import Payment
from payment_service.domain.money import Money

T = TypeVar("T")
THREADS = 8


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteDatabase]:
    database = SqliteDatabase(tmp_path / "state" / "payment.sqlite3")
    yield database
    database.close()


def _payment(order_id: str = "ord_01JDK2V9N4RY") -> Payment:
    command = AuthorizePayment(
        order_id, "cus_7Hq2Lk9P", Money(Decimal("214.00"), "EUR"), "res_01JDK2V7B3MX"
    )
    return Payment.authorized(command, "fakepay", "auth_000001")


def _race(work: Callable[[int], T]) -> list[T | Exception]:
    """Run ``work(n)`` in THREADS threads released together; results or errors, by thread."""
    barrier = threading.Barrier(THREADS)
    results: list[T | Exception] = [RuntimeError("did not run")] * THREADS

    def run(n: int) -> None:
        barrier.wait()
        try:
            results[n] = work(n)
        except Exception as error:  # noqa: BLE001 - the error is the result
            results[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_database_runs_in_wal_mode_with_a_busy_timeout(db: SqliteDatabase) -> None:
    conn = db.connection()

    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS


def test_each_thread_has_its_own_connection(db: SqliteDatabase) -> None:
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(db.connection()))
    thread.start()
    thread.join()

    assert db.connection() is db.connection()
    assert seen[0] is not db.connection()


def test_of_threads_racing_to_store_a_breaker_first_exactly_one_wins(db: SqliteDatabase) -> None:
    results = _race(lambda n: db.breakers.put("b", BreakerState(failures=n), expected_version=0))

    winners = [n for n, result in enumerate(results) if result == 1]
    assert len(winners) == 1
    assert results.count(None) == THREADS - 1
    assert db.breakers.get("b").state == BreakerState(failures=winners[0])


def test_of_threads_racing_on_one_version_exactly_one_wins(db: SqliteDatabase) -> None:
    db.breakers.put("b", BreakerState(failures=1), expected_version=0)
    opened = BreakerState(BreakerStatus.OPEN, failures=2)

    results = _race(lambda _n: db.breakers.put("b", opened, expected_version=1))

    assert results.count(2) == 1
    assert results.count(None) == THREADS - 1
    assert db.breakers.get("b").version == 2


def test_of_threads_racing_to_add_an_orders_payment_exactly_one_succeeds(
    db: SqliteDatabase,
) -> None:
    results = _race(lambda _n: db.payments.add(_payment()))

    assert results.count(None) == 1
    conflicts = [r for r in results if isinstance(r, PaymentConflictError)]
    assert len(conflicts) == THREADS - 1


def test_two_databases_on_one_file_see_and_race_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    first, second = SqliteDatabase(path), SqliteDatabase(path)
    try:
        first.payments.add(_payment())
        first.breakers.put("b", BreakerState(failures=1), expected_version=0)

        assert second.payments.get("ord_01JDK2V9N4RY") == _payment_at_version(1)
        assert second.breakers.put("b", BreakerState(failures=9), expected_version=0) is None
        assert second.breakers.put("b", BreakerState(failures=2), expected_version=1) == 2
        assert first.breakers.get("b").state.failures == 2
    finally:
        first.close()
        second.close()


def test_the_data_outlives_the_connections(tmp_path: Path) -> None:
    path = tmp_path / "payment.sqlite3"
    db = SqliteDatabase(path)
    db.payments.add(_payment())
    db.close()

    reopened = SqliteDatabase(path)
    assert reopened.payments.get("ord_01JDK2V9N4RY") == _payment_at_version(1)
    db.close()  # closed, then used again: it opens a new connection
    assert db.payments.get("ord_01JDK2V9N4RY") is not None
    db.close()
    reopened.close()


def _payment_at_version(version: int) -> Payment:
    payment = _payment()
    payment.version = version
    return payment
