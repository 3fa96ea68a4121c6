"""A full disk: every SQLite write of the process fails as SQLite fails it when the disk is full
(``database or disk is full``, SQLITE_FULL). The APIs answer 503 with Retry-After, what was
accepted before stays readable, and it completes once there is space again."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ordermesh_platform.system import LocalSystem

from tests.e2e.conftest import Client, order_body, start_system, wait_for

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP")


class Disk:
    """The disk every SQLite file of the process is on: full or not."""

    def __init__(self) -> None:
        self.full = threading.Event()
        self.refused = 0  # writes refused while full

    def check(self, sql: str) -> None:
        if self.full.is_set() and sql.lstrip().upper().startswith(_WRITES):
            self.refused += 1
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = sqlite3.SQLITE_FULL  # as SQLite's own carries it
            error.sqlite_errorname = "SQLITE_FULL"
            raise error


DISK = Disk()


class _Cursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        DISK.check(sql)
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        DISK.check(sql)
        return super().executemany(sql, parameters)


class _Connection(sqlite3.Connection):
    """A connection whose writes fail while ``DISK`` is full (a cursor's too)."""

    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, script: str, /) -> sqlite3.Cursor:
        DISK.check(script)
        return super().executescript(script)


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    """Every SQLite connection opened from here on is on ``DISK`` (a fault at the sqlite3
    edge: no adapter is changed)."""
    connect = sqlite3.connect

    def on_disk(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        return connect(*args, **kwargs, factory=_Connection)

    monkeypatch.setattr(sqlite3, "connect", on_disk)
    DISK.full.clear()
    yield DISK
    DISK.full.clear()


@pytest.fixture
def on_disk(disk: Disk, tmp_path: Path) -> Iterator[tuple[LocalSystem, Client]]:
    running = start_system(tmp_path)
    try:
        yield running, Client(running)
    finally:
        disk.full.clear()
        running.stop()


def test_a_full_disk_is_a_503_and_what_was_accepted_completes_when_space_returns(
    disk: Disk, on_disk: tuple[LocalSystem, Client]
) -> None:
    system, client = on_disk
    system.provider.set_down(down=True)  # the saga waits: the order is under way
    accepted = client.place(order_body(customer="cus_before01"))
    assert client.order(accepted["orderId"])["status"] == "PENDING"

    disk.full.set()
    status, problem, headers = client.request(
        "POST", "/orders", order_body(customer="cus_during01")
    )
    assert status == 503, problem
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["retry-after"]) > 0
    assert problem["status"] == 503
    assert "full" in problem["detail"]
    assert client.order(accepted["orderId"])["status"] == "PENDING"  # still readable
    wait_for(lambda: disk.refused > 1, 10, "the runtime to try writing on the full disk")

    system.provider.set_down(down=False)
    disk.full.clear()
    assert client.settled(accepted["orderId"], timeout=60)["status"] == "CONFIRMED"
    status, page, _ = client.request("GET", "/orders?customerId=cus_during01")
    assert (status, page["items"]) == (200, [])  # the refused order was not half-written
    again = client.place(order_body(customer="cus_during01"))
    assert client.settled(again["orderId"], timeout=60)["status"] == "CONFIRMED"
