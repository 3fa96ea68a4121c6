"""A function's synchronous calls: a call under way with its deadline and outcome
(``FunctionCall``), where a function's invocations run (an execution environment: at most its
concurrency at once, the others waiting in order, an overdue one giving its place up), and the
reused daemon threads that run the handlers.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any


class FunctionError(Exception):
    """The function failed: it raised, or timed out. ``error_type`` as Lambda reports it."""

    def __init__(self, function: str, error_type: str, message: str, trace: str = "") -> None:
        super().__init__(f"{function}: {error_type}: {message}")
        self.function = function
        self.error_type = error_type
        self.message = message
        self.trace = trace

    def payload(self) -> dict[str, Any]:
        """Lambda's error payload."""
        return {"errorMessage": self.message, "errorType": self.error_type}


class _HandlerThreads:
    """Daemon threads that run handlers, started on demand and reused.

    A handler that overruns its timeout keeps its thread until it returns (Python cannot stop
    a thread); the caller has its answer already, and a new thread serves the next call. The
    threads are daemons, so a handler that never returns does not keep the process alive.
    """

    def __init__(self) -> None:
        self._work: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0

    def run(self, job: Callable[[], None]) -> None:
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1
        if start:
            threading.Thread(target=self._serve, args=(job,), name="lambda", daemon=True).start()
        else:
            self._work.put(job)

    def _serve(self, job: Callable[[], None]) -> None:
        while True:
            job()
            with self._lock:
                self._idle += 1
            job = self._work.get()


_THREADS = _HandlerThreads()


class FunctionCall:
    """A synchronous invoke under way: ``done`` once the handler returned or its timeout
    passed; ``result`` waits for that, then returns the result or raises ``FunctionError``."""

    def __init__(self, name: str, timeout: float, notify: Callable[[], None] | None) -> None:
        self.name = name
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self._notify = notify
        self.environment: Environment | None = None  # where it runs, told when it times out
        self._finished = threading.Lock()
        self._finished.acquire()  # released by finish()
        self._outcome: tuple[Any, BaseException | None, str] | None = None

    def finish(
        self, *, result: Any = None, error: BaseException | None = None, trace: str = ""
    ) -> None:
        self._outcome = (result, error, trace)
        self._finished.release()
        if self._notify is not None:
            self._notify()

    def done(self) -> bool:
        return self._outcome is not None or time.monotonic() >= self.deadline

    def time_left(self) -> float:
        """Seconds until the call is done at the latest (its timeout)."""
        return 0.0 if self._outcome is not None else max(self.deadline - time.monotonic(), 0.0)

    def result(self) -> Any:
        if self._outcome is None:
            self._finished.acquire(timeout=max(self.deadline - time.monotonic(), 0.0))
        if self._outcome is None:
            if self.environment is not None:
                self.environment.give_up(self)
            message = f"Task timed out after {self.timeout:.2f} seconds"
            raise FunctionError(self.name, "Sandbox.Timedout", message)
        result, exc, trace = self._outcome
        if exc is not None:
            raise FunctionError(self.name, type(exc).__name__, str(exc), trace) from exc
        check_serializable(self.name, result)
        return result


class Environment:
    """Where a function's invocations run: at most ``size`` at once, the others waiting in order.

    An invocation past its deadline gives its place up (``give_up``, or found overdue when the
    next one arrives); one whose deadline passed while it waited never runs."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._running: set[FunctionCall] = set()
        self._waiting: deque[tuple[FunctionCall, Callable[[], None]]] = deque()

    def submit(self, call: FunctionCall, job: Callable[[], None]) -> None:
        call.environment = self
        with self._lock:
            now = time.monotonic()
            for overdue in [c for c in self._running if c.deadline <= now]:
                self._running.discard(overdue)  # timed out; nobody has asked it yet
            self._waiting.append((call, job))
            starting = []
            while len(self._running) < self.size and (following := self._next(now)) is not None:
                starting.append(following)
        for started, started_job in starting:
            _THREADS.run(partial(self._run, started, started_job))

    def give_up(self, call: FunctionCall) -> None:
        """``call`` timed out: free its place if it was running."""
        with self._lock:
            if call not in self._running:
                return  # still waiting: ``_next`` passes it over
            self._running.discard(call)
            following = self._next(time.monotonic())
        if following is not None:
            _THREADS.run(partial(self._run, *following))

    def _run(self, call: FunctionCall, job: Callable[[], None]) -> None:
        while True:
            job()
            with self._lock:
                if call not in self._running:  # it timed out and gave its place up
                    return
                self._running.discard(call)
                following = self._next(time.monotonic())
            if following is None:
                return
            call, job = following

    def _next(self, now: float) -> tuple[FunctionCall, Callable[[], None]] | None:
        """The next waiting invocation still within its deadline, now running (call with the
        lock held)."""
        while self._waiting:
            call, job = self._waiting.popleft()
            if call.deadline > now:
                self._running.add(call)
                return call, job
        return None


def check_serializable(name: str, result: Any) -> None:
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        raise FunctionError(
            name, "Runtime.MarshalError", f"Unable to marshal response: {exc}"
        ) from exc
