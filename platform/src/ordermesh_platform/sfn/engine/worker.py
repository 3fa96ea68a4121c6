"""The worker: claims the executions that are due and advances them in rounds.

A worker (``run_due``) claims executions that are due (``next_at``), runs each until it blocks
or ends, and releases it with the time it next wants to run: a Wait's end, a retry back-off, a
task timeout, or none (waiting for a task token). Lambda calls are started and not waited for:
an execution sits out the worker's rounds while its calls are under way (decision note
2026-11-22-task-calls-under-way.md).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass

from ordermesh_platform.sfn.engine.persistence import LEASE_SECONDS, ExecutionStore, compact_json
from ordermesh_platform.sfn.engine.tokens import apply_signals
from ordermesh_platform.sfn.errors import STATES_RUNTIME
from ordermesh_platform.sfn.interpreter import BLOCKED, DONE, Execution

logger = logging.getLogger(__name__)

MAX_RUN_FAILURES = 5  # runs of one execution that raise before it is failed


@dataclass
class _Run:
    """An execution a worker is advancing."""

    row: sqlite3.Row
    execution: Execution
    durable: bool  # Standard: stored at every transition; Express: when it blocks or ends
    signals_upto: int  # the last task-token signal applied (deleted with the next write)
    calls_next: bool = False  # its next step calls a Task's resource
    calling: bool = False  # blocked until one of its started calls is done
    changed: bool = False  # its last advance changed what is stored
    steps: int = 0
    progress: str | None = None  # BLOCKED, DONE or YIELD once this run is over
    error: Exception | None = None


class Worker:
    """Runs the executions of ``executions``' store that are due."""

    def __init__(self, executions: ExecutionStore, *, max_steps_per_run: int) -> None:
        self.executions = executions
        self.store = executions.store
        self.clock = executions.clock
        self.max_steps_per_run = max_steps_per_run  # one execution's steps before it yields
        self._run_failures: dict[str, int] = {}

    def recover(self) -> None:
        """After a restart: executions leased by a process that died are due again."""
        with self.store.write() as conn:
            conn.execute(
                "UPDATE sfn_executions SET lease_until = NULL, next_at = COALESCE(next_at, ?) "
                "WHERE lease_until IS NOT NULL",
                (self.clock.now(),),
            )

    def next_due(self) -> float | None:
        row = (
            self.store.connection()
            .execute("SELECT MIN(next_at) AS at FROM sfn_executions WHERE lease_until IS NULL")
            .fetchone()
        )
        at: float | None = row["at"]
        return at

    def run_due(self, limit: int = 20) -> int:
        """Run executions that are due until each blocks or ends; how many ran."""
        rows = self._claim(limit)
        self.run_rows(rows)
        return len(rows)

    def run_until_idle(self, *, advance_clock: bool = False, max_rounds: int = 100_000) -> int:
        """Run due executions in this thread until none is due; with ``advance_clock`` (a
        ``ManualClock``), jump to the next timer instead of stopping. Executions run."""
        handled = 0
        for _ in range(max_rounds):
            ran = self.run_due()
            handled += ran
            if ran:
                continue
            due = self.next_due()
            if not advance_clock or due is None:
                break
            advance = getattr(self.clock, "advance", None)
            if advance is None:
                break
            advance(max(due - self.clock.now(), 0.0))
        return handled

    def run_rows(self, rows: list[sqlite3.Row]) -> None:
        """Advance the claimed executions in rounds: each makes one transition (or blocks, or
        ends), then one transaction stores all their snapshots and events. Every transition is
        stored before the execution makes the next one, and every Task call's intent before
        the call; the commit is shared by the round.

        Lambda calls are started, not waited for: an execution whose calls are under way sits
        out the rounds until one is done, so a slow function holds back neither the others'
        transitions nor their storing. A call that must be made synchronously stores what the
        others did first."""
        runs = self._prepare_all(rows)
        calling: list[_Run] = []
        wakeup = threading.Event()
        while runs or calling:
            pending: list[_Run] = []
            for run in runs:
                if run.calls_next and run.execution.start_calls(wakeup.set) and pending:
                    self._store_round(pending)  # before a call that may take long
                    pending = []
                try:
                    self._advance(run)
                except Exception as exc:  # noqa: BLE001 - kept for _run_failed below
                    run.error = exc
                if run.error is not None or run.progress is not None or run.changed:
                    pending.append(run)
            self._store_round(pending)
            active = [run for run in runs if run.error is None and run.progress is None]
            calling += [run for run in active if run.calling]
            runs = [run for run in active if not run.calling]
            if calling:
                runs += self._calls_done(calling, wakeup, block=not runs)

    def _calls_done(
        self, calling: list[_Run], wakeup: threading.Event, *, block: bool
    ) -> list[_Run]:
        """Take the executions out of ``calling`` that have a call done; with ``block``, wait
        for one (or for a call's timeout)."""
        wakeup.clear()
        done = [run for run in calling if run.execution.call_done()]
        if not done and block:
            waits = [w for w in (run.execution.call_wait() for run in calling) if w is not None]
            if waits:
                wakeup.wait(min(waits))
                done = [run for run in calling if run.execution.call_done()]
            else:
                done = list(calling)  # nothing left to wait for: step them and see
        for run in done:
            calling.remove(run)
            run.calling = False
        return done

    def _prepare_all(self, rows: list[sqlite3.Row]) -> list[_Run]:
        runs: list[_Run] = []
        for row in rows:
            try:
                run = self._prepare(row)
            except Exception as exc:  # noqa: BLE001 - one broken execution must not stop the rest
                self._run_failed(row["arn"], exc)
                continue
            if run is not None:
                runs.append(run)
        return runs

    def _store_round(self, runs: list[_Run]) -> None:
        with self.store.write() as conn:
            for run in runs:
                if run.error is None:
                    self.executions.persist(
                        conn,
                        run.row,
                        run.execution,
                        final=run.progress is not None,
                        progress=run.progress,
                        signals_upto=run.signals_upto,
                    )
                    run.signals_upto = 0
        for run in runs:
            if run.error is not None:
                self._run_failed(run.row["arn"], run.error)
            elif run.progress is not None:
                self._run_failures.pop(run.row["arn"], None)

    def _prepare(self, row: sqlite3.Row) -> _Run | None:
        if row["status"] != "RUNNING":
            self._release(row["arn"])
            return None
        execution = self.executions.load(row)
        signals_upto = apply_signals(self.store, row["arn"], execution)
        calls_next = any(
            frame["status"] == "running" and frame["phase"] == "call"
            for frame in execution.frames()
        )
        return _Run(
            row,
            execution,
            durable=row["type"] == "STANDARD",
            signals_upto=signals_upto,
            calls_next=calls_next,
        )

    def _advance(self, run: _Run) -> None:
        """Step ``run`` to its next transition (a Standard execution) or until it blocks."""
        execution = run.execution
        root = execution.root
        moved = False
        while run.steps < self.max_steps_per_run:
            state_before = root["state"]
            progress = execution.step()
            run.steps += 1
            if progress == BLOCKED and execution.calls_under_way():
                run.calling = True  # back when a call is done; stored if anything else moved
                run.changed = moved or bool(execution.events)
                return
            run.changed = moved = True
            if progress in {BLOCKED, DONE}:
                run.progress = progress
                return
            if not run.durable:
                continue
            run.calls_next = _calls_next(execution)
            if run.calls_next or root["state"] != state_before:
                return  # every transition, and every call's intent, is stored before the next
        run.progress = "YIELD"

    def _run_failed(self, arn: str, exc: Exception) -> None:
        failures = self._run_failures.get(arn, 0) + 1
        self._run_failures[arn] = failures
        logger.error("execution %s failed run %d", arn, failures, exc_info=exc)
        self._after_run_failure(arn, exc, give_up=failures >= MAX_RUN_FAILURES)

    def _after_run_failure(self, arn: str, exc: Exception, *, give_up: bool) -> None:
        """Try a failed run again a second later; after a few failures, fail the execution
        (States.Runtime, with the engine's error as the cause) rather than loop forever."""
        now = self.clock.now()
        with self.store.write() as conn:
            if not give_up:
                conn.execute(
                    "UPDATE sfn_executions SET lease_until = NULL, next_at = ? WHERE arn = ?",
                    (now + 1.0, arn),
                )
                return
            self._run_failures.pop(arn, None)
            cause = f"The local engine could not run the execution: {exc!r}"
            last = (
                conn.execute(
                    "SELECT MAX(id) AS id FROM sfn_history WHERE execution_arn = ?", (arn,)
                ).fetchone()["id"]
                or 0
            )
            event = {
                "timestamp": now,
                "type": "ExecutionFailed",
                "id": last + 1,
                "previousEventId": last,
                "executionFailedEventDetails": {"error": STATES_RUNTIME, "cause": cause},
            }
            conn.execute(
                "INSERT INTO sfn_history (execution_arn, id, event) VALUES (?, ?, ?)",
                (arn, last + 1, compact_json(event)),
            )
            conn.execute(
                "UPDATE sfn_executions SET status = 'FAILED', error = ?, cause = ?, "
                "stop_date = ?, next_at = NULL, lease_until = NULL WHERE arn = ?",
                (STATES_RUNTIME, cause, now, arn),
            )

    def _claim(self, limit: int) -> list[sqlite3.Row]:
        now = self.clock.now()
        with self.store.write() as conn:
            rows: list[sqlite3.Row] = conn.execute(
                "SELECT * FROM sfn_executions WHERE next_at <= ? AND lease_until IS NULL "
                "ORDER BY next_at LIMIT ?",
                (now, limit),
            ).fetchall()
            conn.executemany(
                "UPDATE sfn_executions SET lease_until = ? WHERE arn = ?",
                [(now + LEASE_SECONDS, row["arn"]) for row in rows],
            )
        return rows

    def _release(self, arn: str) -> None:
        with self.store.write() as conn:
            conn.execute(
                "UPDATE sfn_executions SET lease_until = NULL, next_at = NULL WHERE arn = ?",
                (arn,),
            )


def _calls_next(execution: Execution) -> bool:
    """Did the last step schedule a Task call (stored before the call is made)?"""
    return any(
        event["type"] in {"TaskScheduled", "LambdaFunctionScheduled"} for event in execution.events
    )
