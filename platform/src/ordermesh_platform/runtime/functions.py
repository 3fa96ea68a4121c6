"""Lambda functions run in process: synchronous invokes with the timeout enforced, and the
asynchronous invoke queue with Lambda's retry policy and a dead-letter queue.

A function runs one invocation at a time by default (``FunctionSettings.concurrency``), as one
Lambda execution environment does: handlers keep per-invocation state in module globals
(powertools' resolver keeps the current event, Logger its keys, Metrics its metric set), which
Lambda gives each concurrent invocation a copy of, and one process cannot. Invocations wait
their turn in order; an invocation past its timeout gives its turn up (its handler's thread runs
on, Python cannot stop it), as Lambda replaces an environment whose invocation timed out.
Powertools' Metrics shares its metric set between all functions, and Logger its keys between all
functions of a service, not only a function's invocations: each invocation runs in its own
``invocation_metrics.scope()`` and ``invocation_logging.scope()``.

An asynchronous invoke is a row in SQLite until the function succeeds or gives up, so a crash
re-runs it (at least once, as Lambda promises). Failed attempts are retried with exponential
back-off until ``max_retry_attempts`` or ``max_event_age`` runs out; then the event goes to the
function's dead-letter queue with ``RequestID``, ``ErrorCode`` and ``ErrorMessage`` attributes,
as Lambda sends it.
"""

from __future__ import annotations

import importlib
import json
import logging
import sqlite3
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from ordermesh_platform.runtime import invocation_logging, invocation_metrics
from ordermesh_platform.runtime.function_calls import (
    Environment,
    FunctionCall,
    FunctionError,
)
from ordermesh_platform.runtime.invocation_log import InvocationLog, handled_by, stream_batch
from ordermesh_platform.runtime.lambda_context import LambdaContext
from ordermesh_platform.runtime.logs import FunctionLogs
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store

logger = logging.getLogger(__name__)

Handler = Callable[[Any, LambdaContext], Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS invocations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    function TEXT NOT NULL,
    request_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    enqueued_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS invocations_due ON invocations (next_at, seq);
"""

MAX_ASYNC_RETRIES = 2
MIN_EVENT_AGE, MAX_EVENT_AGE = 60, 21_600
MAX_DLQ_ERROR_BYTES = 1024
INVOCATIONS_CHANNEL = "invocations"  # notified when an async invoke is queued
LEASE_MARGIN = 5.0  # seconds past the timeout before a claimed invoke counts as abandoned


@dataclass(frozen=True)
class FunctionSettings:
    """A function's configuration: handler reference and Lambda's limits and async policy."""

    handler: str  # "package.module:function"
    timeout: float = 30.0
    memory_mb: int = 128
    max_retry_attempts: int = MAX_ASYNC_RETRIES
    max_event_age: float = MAX_EVENT_AGE
    dead_letter_queue: str | None = None
    retry_base_delay: float = 60.0  # Lambda waits about a minute, then two, between retries
    # Invocations that may run at once. They share module globals in this process, so more
    # than one suits only handlers that keep no per-invocation state there.
    concurrency: int = 1

    def __post_init__(self) -> None:
        if ":" not in self.handler:
            raise ValueError(f"handler {self.handler!r} must look like 'package.module:function'")
        if not 0 <= self.max_retry_attempts <= MAX_ASYNC_RETRIES:
            raise ValueError("max_retry_attempts must be 0 to 2")
        if not MIN_EVENT_AGE <= self.max_event_age <= MAX_EVENT_AGE:
            raise ValueError("max_event_age must be 60 to 21600 seconds")
        if not 1 <= self.timeout <= 900:  # noqa: PLR2004
            raise ValueError("timeout must be 1 to 900 seconds")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")


@dataclass(frozen=True)
class Invocation:
    function: str
    request_id: str
    payload: Any
    attempts: int
    enqueued_at: float
    last_error: str | None


def load_handler(reference: str) -> Handler:
    """Import ``package.module:function``."""
    module_name, _, attribute = reference.partition(":")
    handler: Handler = getattr(importlib.import_module(module_name), attribute)
    return handler


class Functions:
    """The registered functions, their synchronous invoke and the async invoke queue."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        queues: Queues,
        *,
        logs: FunctionLogs | None = None,
        wrap: Callable[[str, Handler], Handler] | None = None,
    ) -> None:
        """``wrap`` (the chaos suite's fault injector) wraps each handler imported."""
        self.store = store
        self._wrap = wrap
        self.clock = clock
        self.queues = queues
        self.logs = logs
        store.ensure_schema(SCHEMA)
        invocation_metrics.install()
        invocation_logging.install()
        self.invocation_log = InvocationLog(store)
        self._settings: dict[str, FunctionSettings] = {}
        self._handlers: dict[str, Handler] = {}
        self._environments: dict[str, Environment] = {}
        self._lock = threading.Lock()

    def register(
        self, name: str, settings: FunctionSettings, handler: Handler | None = None
    ) -> None:
        """Register a function; ``handler`` overrides importing ``settings.handler``."""
        self._settings[name] = settings
        self._environments[name] = Environment(settings.concurrency)
        if handler is not None:
            self._handlers[name] = handler
        if settings.dead_letter_queue:
            self.queues.create(settings.dead_letter_queue)

    def names(self) -> list[str]:
        return sorted(self._settings)

    def __contains__(self, name: object) -> bool:
        return name in self._settings

    def settings(self, name: str) -> FunctionSettings:
        try:
            return self._settings[name]
        except KeyError:
            message = f"Function not found: {name}"
            raise FunctionError(name, "ResourceNotFoundException", message) from None

    def _handler(self, name: str) -> Handler:
        with self._lock:
            handler = self._handlers.get(name)
            if handler is None:
                handler = load_handler(self.settings(name).handler)
                if self._wrap is not None:
                    handler = self._wrap(name, handler)
                self._handlers[name] = handler
            return handler

    # --- synchronous --------------------------------------------------------------------------
    def invoke(
        self, name: str, event: Any, *, request_id: str | None = None, attempt: int = 1
    ) -> Any:
        """Run the handler (RequestResponse); raises FunctionError if it raises or times out."""
        return self.start(name, event, request_id=request_id, attempt=attempt).result()

    def start(
        self,
        name: str,
        event: Any,
        *,
        request_id: str | None = None,
        notify: Callable[[], None] | None = None,
        attempt: int = 1,
    ) -> FunctionCall:
        """Start a RequestResponse invoke on a handler thread (once the function is free) and
        return at once; ``notify`` is called (on that thread) when the handler returns. Once
        the caller has its answer, the invocation is recorded in the invocation log."""
        settings = self.settings(name)
        handler = self._handler(name)
        context = LambdaContext(
            name,
            timeout=settings.timeout,
            memory_limit_in_mb=settings.memory_mb,
            request_id=request_id,
        )
        call = FunctionCall(name, settings.timeout, notify)

        capture = self.logs.capture(name) if self.logs is not None else nullcontext()

        def run() -> None:
            result, error, trace = None, None, ""
            started_at, began = self.clock.now(), time.perf_counter()
            with capture, invocation_metrics.scope(), invocation_logging.scope():
                try:
                    result = handler(event, context)
                except BaseException as exc:  # noqa: BLE001 - every failure is the function's
                    error, trace = exc, traceback.format_exc()
                    if self.logs is not None:  # into the function's log, as Lambda logs it
                        sys.stderr.write(f"[ERROR] {type(exc).__name__}: {exc}\n{trace}")
            duration = time.perf_counter() - began
            call.finish(result=result, error=error, trace=trace)
            self._record(
                name,
                context.aws_request_id,
                event,
                attempt=attempt,
                started_at=started_at,
                duration=duration,
                result=result,
                error=error,
            )

        self._environments[name].submit(call, run)
        return call

    def _record(  # noqa: PLR0913 - one invocation's facts
        self,
        name: str,
        request_id: str,
        event: Any,
        *,
        attempt: int,
        started_at: float,
        duration: float,
        result: Any,
        error: BaseException | None,
    ) -> None:
        try:
            self.invocation_log.record(
                name,
                request_id,
                stream_batch(event) or handled_by(event, attempt),
                started_at=started_at,
                duration=duration,
                result=result,
                error=error,
                timed_out=duration > self.settings(name).timeout,
            )
        except Exception:  # the record is for people; the invocation itself is done
            logger.exception("recording an invocation of %s failed", name)

    # --- asynchronous -------------------------------------------------------------------------
    def invoke_async(
        self, name: str, payload: str, *, conn: sqlite3.Connection | None = None
    ) -> str:
        """Queue an Event invoke (``payload`` is JSON text); its request id."""
        self.settings(name)
        request_id = str(uuid.uuid4())
        now = self.clock.now()
        row = (name, request_id, payload, now, now)
        sql = (
            "INSERT INTO invocations (function, request_id, payload, enqueued_at, next_at) "
            "VALUES (?, ?, ?, ?, ?)"
        )
        self.store.execute(sql, row, conn)
        self.store.notify(INVOCATIONS_CHANNEL)
        return request_id

    def pending(self, name: str | None = None) -> list[Invocation]:
        conn = self.store.connection()
        if name is None:
            rows = conn.execute("SELECT * FROM invocations ORDER BY seq")
        else:
            rows = conn.execute(
                "SELECT * FROM invocations WHERE function = ? ORDER BY seq", (name,)
            )
        return [
            Invocation(
                r["function"],
                r["request_id"],
                json.loads(r["payload"]),
                r["attempts"],
                r["enqueued_at"],
                r["last_error"],
            )
            for r in rows
        ]

    def next_due(self) -> float | None:
        row = (
            self.store.connection().execute("SELECT MIN(next_at) AS at FROM invocations").fetchone()
        )
        at: float | None = row["at"]
        return at

    def run_due(self, limit: int = 100) -> int:
        """Run the async invokes that are due (one attempt each); how many ran."""
        claimed = self._claim(limit)
        for seq, name, request_id, payload, attempts, enqueued_at in claimed:
            self._attempt(seq, name, request_id, payload, attempts, enqueued_at)
        return len(claimed)

    def _claim(self, limit: int) -> list[tuple[int, str, str, str, int, float]]:
        """Lease due invokes of registered functions for their timeout (plus a margin), so a
        crash mid-run re-runs them; invokes of functions not registered here stay queued."""
        now = self.clock.now()
        names = sorted(self._settings)
        marks = ", ".join("?" * len(names))
        claimed: list[tuple[int, str, str, str, int, float]] = []
        with self.store.write() as conn:
            rows = conn.execute(
                "SELECT seq, function, request_id, payload, attempts, enqueued_at "  # noqa: S608 - placeholders only
                f"FROM invocations WHERE next_at <= ? AND function IN ({marks}) "
                "ORDER BY next_at, seq LIMIT ?",
                (now, *names, limit),
            ).fetchall()
            for row in rows:
                lease = self._settings[row["function"]].timeout + LEASE_MARGIN
                conn.execute(
                    "UPDATE invocations SET next_at = ? WHERE seq = ?", (now + lease, row["seq"])
                )
                claimed.append(
                    (
                        row["seq"],
                        row["function"],
                        row["request_id"],
                        row["payload"],
                        row["attempts"],
                        row["enqueued_at"],
                    )
                )
        return claimed

    def _attempt(
        self, seq: int, name: str, request_id: str, payload: str, attempts: int, enqueued_at: float
    ) -> None:
        try:
            self.invoke(name, json.loads(payload), request_id=request_id, attempt=attempts + 1)
        except FunctionError as error:
            self._failed(
                seq,
                name=name,
                request_id=request_id,
                payload=payload,
                attempts=attempts + 1,
                enqueued_at=enqueued_at,
                error=error,
            )
            return
        with self.store.write() as conn:
            conn.execute("DELETE FROM invocations WHERE seq = ?", (seq,))

    def _failed(  # noqa: PLR0913
        self,
        seq: int,
        *,
        name: str,
        request_id: str,
        payload: str,
        attempts: int,
        enqueued_at: float,
        error: FunctionError,
    ) -> None:
        settings = self._settings.get(name)
        now = self.clock.now()
        logger.warning("async invoke of %s failed (attempt %d): %s", name, attempts, error)
        retries_left = settings is not None and attempts <= settings.max_retry_attempts
        delay = (settings.retry_base_delay if settings else 60.0) * 2 ** (attempts - 1)
        young = settings is not None and now + delay - enqueued_at <= settings.max_event_age
        with self.store.write() as conn:
            if retries_left and young:
                conn.execute(
                    "UPDATE invocations SET attempts = ?, next_at = ?, last_error = ? "
                    "WHERE seq = ?",
                    (attempts, now + delay, json.dumps(error.payload()), seq),
                )
                return
            conn.execute("DELETE FROM invocations WHERE seq = ?", (seq,))
            if settings is not None and settings.dead_letter_queue:
                message = json.dumps(error.payload())[:MAX_DLQ_ERROR_BYTES]
                self.queues.send(
                    settings.dead_letter_queue,
                    payload,
                    message_attributes={
                        "RequestID": {"DataType": "String", "StringValue": request_id},
                        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                        "ErrorMessage": {"DataType": "String", "StringValue": message},
                    },
                    conn=conn,
                )
            else:
                logger.error("async invoke of %s dropped after %d attempts", name, attempts)
