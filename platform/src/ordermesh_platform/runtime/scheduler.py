"""Delivery scheduling: a few threads run many workers (queue pollers, the async invoker, stream
pollers, Step Functions executions).

A worker is due when a store channel announced work for it (``Worker.set``, called when the
announcing transaction commits), when its last round handled something (there may be more), or
when its poll interval passed (delayed messages, retries and timeouts come due by time alone).
Each free thread takes the due worker that has waited longest; a worker never runs on two
threads at once.

Fewer threads than workers is deliberate: under load each worker finds more work per round
(a queue poller takes a batch of several messages rather than one), and threads do not hand
the interpreter lock to each other at every SQLite call. One slow round (a handler waiting on
its timeout) holds only its own thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class Worker:
    name: str
    step: Callable[[], int]  # does one round of work; how many items it handled
    channels: tuple[str, ...] = ()  # store channels that announce work for it
    scheduler: Scheduler | None = field(default=None, repr=False)
    announced: bool = True  # due at once (the first round looks for work left from before)
    running: bool = False
    next_poll: float = 0.0  # monotonic time of the next round without an announcement
    due_since: float = 0.0

    def set(self) -> None:
        """Work was announced on one of the worker's channels."""
        if self.scheduler is not None:
            self.scheduler.announce(self)


class Scheduler:
    def __init__(self, workers: list[Worker], *, threads: int, poll_interval: float) -> None:
        if threads < 1:
            raise ValueError("a scheduler needs at least one thread")
        self.workers = workers
        self.poll_interval = poll_interval
        self._threads_wanted = threads
        self._threads: list[threading.Thread] = []
        self._cond = threading.Condition()
        self._stopping = False
        for worker in workers:
            worker.scheduler = self

    def announce(self, worker: Worker) -> None:
        with self._cond:
            if not worker.announced:
                worker.announced = True
                worker.due_since = time.monotonic()
            self._cond.notify()

    def start(self) -> None:
        self._stopping = False
        for n in range(self._threads_wanted):
            thread = threading.Thread(
                target=self._serve, name=f"ordermesh:delivery-{n}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _serve(self) -> None:
        while (worker := self._take()) is not None:
            try:
                handled = worker.step()
            except Exception:
                logger.exception("worker %s failed a round", worker.name)
                handled = 0
            self._finish(worker, handled)

    def _take(self) -> Worker | None:
        """The due worker that has waited longest (marked running); ``None`` when stopping."""
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                due = [w for w in self.workers if not w.running and self._due(w, now)]
                if due:
                    worker = min(due, key=lambda w: w.due_since if w.announced else w.next_poll)
                    worker.running, worker.announced = True, False
                    return worker
                waits = [w.next_poll - now for w in self.workers if not w.running]
                self._cond.wait(max(min(waits, default=self.poll_interval), 0.001))
            return None

    @staticmethod
    def _due(worker: Worker, now: float) -> bool:
        return worker.announced or worker.next_poll <= now

    def _finish(self, worker: Worker, handled: int) -> None:
        with self._cond:
            worker.running = False
            now = time.monotonic()
            worker.next_poll = now + self.poll_interval
            if handled > 0 and not worker.announced:  # there may be more: look again soon
                worker.announced, worker.due_since = True, now
            self._cond.notify()
