"""Function logs: a handler's output goes to its own file under the state folder, everyone
else's where it went before; files rotate past their size limit at the end of a line."""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.logs import FunctionLogs
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store


@contextmanager
def console() -> Iterator[io.StringIO]:
    """Standard output before a log opens. (Set in the test itself: pytest puts its own
    capture back between a fixture's setup and the test.)"""
    saved, sys.stdout = sys.stdout, io.StringIO()
    try:
        yield sys.stdout
    finally:
        sys.stdout = saved


def test_a_capturing_thread_writes_to_its_function_log(tmp_path: Path) -> None:
    logs = FunctionLogs(tmp_path / "logs")

    def handler() -> None:
        with logs.capture("order-api"):
            print("placed ord_1")  # noqa: T201 - what a handler prints

    with console() as out:
        logs.open()
        try:
            thread = threading.Thread(target=handler)
            thread.start()
            thread.join()
            print("runtime message")  # noqa: T201
        finally:
            logs.close()
        assert sys.stdout is out  # closing puts the stream back
    assert (tmp_path / "logs" / "order-api.log").read_text() == "placed ord_1\n"
    assert out.getvalue() == "runtime message\n"


def test_standard_error_is_captured_too(tmp_path: Path) -> None:
    logs = FunctionLogs(tmp_path / "logs")
    logs.open()
    try:
        with logs.capture("payment-authorize-consumer"):
            print("warning", file=sys.stderr)  # noqa: T201
    finally:
        logs.close()
    assert (tmp_path / "logs" / "payment-authorize-consumer.log").read_text() == "warning\n"


def test_a_full_log_moves_aside_at_the_end_of_a_line(tmp_path: Path) -> None:
    logs = FunctionLogs(tmp_path / "logs", max_bytes=100)
    lines = [f"line {n:02d}" for n in range(30)]  # 8 characters each, with the newline
    logs.open()
    try:
        with logs.capture("f"):
            for line in lines:
                print(line)  # noqa: T201 - two writes: the text, then the newline
    finally:
        logs.close()
    current = (tmp_path / "logs" / "f.log").read_text().splitlines()
    previous = (tmp_path / "logs" / "f.log.1").read_text().splitlines()
    assert previous + current == lines[-len(previous + current) :]  # whole lines, in order
    assert len(previous) == 13  # rotated once past 100 bytes


def test_two_open_logs_share_the_streams_until_the_last_closes(tmp_path: Path) -> None:
    first, second = FunctionLogs(tmp_path / "a"), FunctionLogs(tmp_path / "b")
    with console() as out:
        first.open()
        second.open()
        first.close()
        assert sys.stdout is not out  # the second is still open
        second.close()
        assert sys.stdout is out


def test_a_runtime_function_logs_to_its_file(tmp_path: Path) -> None:
    clock = ManualClock(1000.0)
    store = Store(tmp_path / "runtime.sqlite3")
    logs = FunctionLogs(tmp_path / "logs")
    functions = Functions(store, clock, Queues(store, clock), logs=logs)

    def handler(event: dict[str, Any], _context: Any) -> str:
        print(f"got {event['n']}")  # noqa: T201
        return "ok"

    functions.register("echo", FunctionSettings(handler="m:f"), handler)
    with console() as out:
        logs.open()
        try:
            assert functions.invoke("echo", {"n": 7}) == "ok"
        finally:
            logs.close()
    assert (tmp_path / "logs" / "echo.log").read_text() == "got 7\n"
    assert out.getvalue() == ""
