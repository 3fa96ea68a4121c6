"""Delivery scheduling: announced workers run at once, busy workers again, idle ones on their
poll interval; a worker never runs twice at once, and a slow one holds only its own thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from ordermesh_platform.runtime.scheduler import Scheduler, Worker

LONG = 60.0  # a poll interval no test waits for: only announcements can make a worker run
WAIT = 10.0  # how long a test waits for something that should happen at once


class Counting:
    """A step that counts its rounds and returns what ``results`` says (then 0)."""

    def __init__(self, results: list[int] | None = None) -> None:
        self.rounds = 0
        self.results = list(results or [])
        self.ran = threading.Event()
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self.rounds += 1
        self.ran.set()
        return self.results.pop(0) if self.results else 0


@pytest.fixture
def scheduled() -> Iterator[Callable[..., Scheduler]]:
    started: list[Scheduler] = []

    def start(workers: list[Worker], threads: int = 2, poll: float = LONG) -> Scheduler:
        scheduler = Scheduler(workers, threads=threads, poll_interval=poll)
        scheduler.start()
        started.append(scheduler)
        return scheduler

    yield start
    for scheduler in started:
        scheduler.stop()


def _wait_for(predicate: Callable[[], bool]) -> bool:
    done = threading.Event()
    for _ in range(int(WAIT / 0.01)):
        if predicate():
            return True
        done.wait(0.01)
    return predicate()


def test_every_worker_runs_once_at_start_to_find_work_left_from_before(
    scheduled: Callable[..., Scheduler],
) -> None:
    steps = [Counting() for _ in range(5)]
    scheduled([Worker(f"w{i}", step) for i, step in enumerate(steps)])
    assert all(step.ran.wait(WAIT) for step in steps)


def test_an_announced_worker_runs_before_its_poll_interval(
    scheduled: Callable[..., Scheduler],
) -> None:
    step = Counting()
    worker = Worker("queue:orders", step)
    scheduled([worker])
    assert _wait_for(lambda: step.rounds == 1)
    step.ran.clear()
    worker.set()  # what the store does when a transaction on its channel commits
    assert step.ran.wait(WAIT)
    assert step.rounds == 2


def test_a_worker_that_handled_something_looks_again_without_being_told(
    scheduled: Callable[..., Scheduler],
) -> None:
    step = Counting(results=[0, 10, 10, 3])  # the first round at start, then a backlog
    worker = Worker("queue:orders", step)
    scheduled([worker])
    assert _wait_for(lambda: step.rounds == 1)
    worker.set()
    assert _wait_for(lambda: step.rounds == 5)  # 10, 10, 3, then an empty round
    threading.Event().wait(0.05)
    assert step.rounds == 5  # after an empty round it waits for news


def test_an_idle_worker_is_polled_every_interval(scheduled: Callable[..., Scheduler]) -> None:
    step = Counting()
    scheduled([Worker("invoker", step)], poll=0.01)
    assert _wait_for(lambda: step.rounds >= 5)


def test_a_worker_never_runs_on_two_threads_at_once(scheduled: Callable[..., Scheduler]) -> None:
    running, most, rounds = 0, 0, 0
    lock = threading.Lock()

    def step() -> int:
        nonlocal running, most, rounds
        with lock:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.002)
        with lock:
            running -= 1
            rounds += 1
        return 1 if rounds < 50 else 0

    worker = Worker("sfn", step)
    scheduled([worker], threads=4)
    for _ in range(100):
        worker.set()
    assert _wait_for(lambda: rounds >= 50)
    assert most == 1


def test_a_slow_round_holds_only_its_own_thread(scheduled: Callable[..., Scheduler]) -> None:
    release = threading.Event()
    slow_started = threading.Event()

    def slow() -> int:
        slow_started.set()
        release.wait(WAIT)
        return 0

    fast = Counting()
    fast_worker = Worker("queue:fast", fast)
    scheduled([Worker("queue:slow", slow), fast_worker], threads=2)
    try:
        assert slow_started.wait(WAIT)
        assert _wait_for(lambda: fast.rounds == 1)
        fast_worker.set()
        assert _wait_for(lambda: fast.rounds == 2)
    finally:
        release.set()


def test_a_failing_round_is_logged_and_the_worker_goes_on(
    scheduled: Callable[..., Scheduler], caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0

    def flaky() -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        return 0

    worker = Worker("queue:flaky", flaky)
    scheduled([worker])
    assert _wait_for(lambda: calls == 1)
    worker.set()
    assert _wait_for(lambda: calls == 2)
    assert "worker queue:flaky failed a round" in caplog.text


def test_stop_ends_every_thread() -> None:
    before = set(threading.enumerate())
    scheduler = Scheduler([Worker("w", Counting())], threads=3, poll_interval=0.01)
    scheduler.start()
    started = set(threading.enumerate()) - before
    assert len(started) == 3
    scheduler.stop()
    assert not [t for t in started if t.is_alive()]


def test_a_scheduler_needs_a_thread() -> None:
    with pytest.raises(ValueError, match="at least one thread"):
        Scheduler([], threads=0, poll_interval=1.0)
