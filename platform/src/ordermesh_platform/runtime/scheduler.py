"""Delivery scheduling: a few threads run many workers (queue pollers, the async invoker, stream
pollers, Step Functions executions).

A worker is due when a store channel announced work for it (``Worker.set``, called when the
announcing transaction commits), when its last round handled something (there may be more), or
when its poll interval passed (delayed messages, retries and timeouts come due by time alone).
A free thread takes the due worker that has waited longest; a worker never runs on two threads
at once.

One round runs at a time. Another thread starts a round only while every running round has
taken longer than ``stall_after`` (a handler waiting on its timeout, a slow provider): one slow
round holds only its own thread, and the others go on. Rounds side by side gain nothing from
the interpreter lock, and cost plenty: SQLite lets the lock go at every statement, so two busy
threads hand it to each other hundreds of times per order. Fewer threads than workers is
deliberate too: under load each worker finds more work per round (a queue poller takes a batch
of several messages rather than one).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

# A round this old (seconds) no longer keeps the other threads from starting rounds.
STALL_AFTER = 0.05


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
    started: float = 0.0  # monotonic time its running round started

    def set(self) -> None:
        """Work was announced on one of the worker's channels."""
        if self.scheduler is not None:
            self.scheduler.announce(self)


class Scheduler:
    def __init__(
        self,
        workers: list[Worker],
        *,
        threads: int,
        poll_interval: float,
        stall_after: float = STALL_AFTER,
    ) -> None:
        if threads < 1:
            raise ValueError("a scheduler needs at least one thread")
        self.workers = workers
        self.poll_interval = poll_interval
        self.stall_after = stall_after
        self._threads_wanted = threads
        self._threads: list[threading.Thread] = []
        self._cond = threading.Condition()
        self._stopping = False
        for worker in workers:
            worker.scheduler = self

    def announce(self, worker: Worker) -> None:
        with self._cond:
            now = time.monotonic()
            if not worker.announced:
                worker.announced = True
                worker.due_since = now
            if not self._smooth(now):  # else the thread of that round takes it next
                self._cond.notify()

    def _smooth(self, now: float) -> list[float]:
        """How long until each running round under ``stall_after`` old stalls."""
        return [
            w.started + self.stall_after - now
            for w in self.workers
            if w.running and now - w.started < self.stall_after
        ]

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
        """The due worker that has waited longest (marked running) once no running round is
        under ``stall_after`` old; ``None`` when stopping."""
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                if smooth := self._smooth(now):  # a round is under way: until it ends or stalls
                    self._cond.wait(max(min(smooth), 0.001))
                    continue
                due = [w for w in self.workers if not w.running and self._due(w, now)]
                if due:
                    worker = min(due, key=lambda w: w.due_since if w.announced else w.next_poll)
                    worker.running, worker.announced = True, False
                    worker.started = now
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
            # No notify: this thread takes the next round itself (``_serve``).
