"""Bus targets: how a matched event reaches a queue, a function, a stream, a state machine or an
SNS topic (delivery streams read the bus archive instead: ``lake_log``).

Each sink writes inside the bus's transaction, so an event is never accepted without its
deliveries. Functions are invoked asynchronously (the invoke queue), as EventBridge invokes them.
State machine starts are rows that ``StateMachineStarts`` turns into executions.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

from ordermesh_platform.runtime.bus import Target
from ordermesh_platform.runtime.functions import Functions
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.streams import Streams
from ordermesh_platform.runtime.topics import Topics
from ordermesh_platform.runtime.transform import parse_path, resolve
from ordermesh_platform.sfn.engine import EXECUTIONS_CHANNEL, StepFunctions, execution_arn
from ordermesh_platform.shared.aws import AwsError, state_machine_arn
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store

logger = logging.getLogger(__name__)

STATE_MACHINE_SCHEMA = """
CREATE TABLE IF NOT EXISTS state_machine_starts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    state_machine TEXT NOT NULL,
    input TEXT NOT NULL,
    event_id TEXT,
    created_at REAL NOT NULL,
    started_at REAL
);
CREATE INDEX IF NOT EXISTS state_machine_starts_pending
    ON state_machine_starts (state_machine, seq) WHERE started_at IS NULL;
"""


class QueueSink:
    def __init__(self, queues: Queues) -> None:
        self.queues = queues

    def deliver(
        self, conn: sqlite3.Connection, target: Target, payload: str, event: Mapping[str, Any]
    ) -> None:
        del event
        self.queues.send(target.name, payload, conn=conn)


class FunctionSink:
    def __init__(self, functions: Functions) -> None:
        self.functions = functions

    def deliver(
        self, conn: sqlite3.Connection, target: Target, payload: str, event: Mapping[str, Any]
    ) -> None:
        del event
        if target.input.input_transformer is not None:  # the only input that may not be JSON
            payload = _as_json_payload(payload)
        self.functions.invoke_async(target.name, payload, conn=conn)


class StreamSink:
    """Kinesis targets: partition key from ``partition_key_path``, else the event id."""

    def __init__(self, streams: Streams) -> None:
        self.streams = streams

    def deliver(
        self, conn: sqlite3.Connection, target: Target, payload: str, event: Mapping[str, Any]
    ) -> None:
        key: Any = event.get("id")
        if target.partition_key_path:
            key = resolve(event, parse_path(target.partition_key_path))
        key_text = key if isinstance(key, str) else json.dumps(key)
        self.streams.put_record(target.name, key_text, payload.encode(), conn=conn)


class TopicSink:
    """SNS targets: the event's JSON (or the rule's input) is the message, as EventBridge
    publishes it, with no subject and no message attributes."""

    def __init__(self, topics: Topics) -> None:
        self.topics = topics

    def deliver(
        self, conn: sqlite3.Connection, target: Target, payload: str, event: Mapping[str, Any]
    ) -> None:
        del event
        self.topics.publish(target.name, payload, conn=conn)


class StateMachineSink:
    """Start requests for the saga engine, kept until the engine takes them."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        store.ensure_schema(STATE_MACHINE_SCHEMA)

    def deliver(
        self, conn: sqlite3.Connection, target: Target, payload: str, event: Mapping[str, Any]
    ) -> None:
        conn.execute(
            "INSERT INTO state_machine_starts (state_machine, input, event_id, created_at) "
            "VALUES (?, ?, ?, ?)",
            (target.name, payload, event.get("id"), self.clock.now()),
        )
        self.store.notify(EXECUTIONS_CHANNEL)


class StateMachineStarts:
    """Turns the sink's start requests into executions.

    Each execution is named after the event that asked for it, and started in the transaction
    that marks its row started: a crash in between, or the same event delivered again (a
    replay), does not start a second execution. The same event sent by two rules with different
    input starts a second execution, named ``<event id>-<row>``. A row for a state machine that
    does not exist (yet), or whose input Step Functions rejects, stays and is logged once.
    """

    def __init__(self, store: Store, sfn: StepFunctions) -> None:
        self.store = store
        self.sfn = sfn
        store.ensure_schema(STATE_MACHINE_SCHEMA)
        self._reported: set[str | int] = set()  # machines and rows already logged

    def run_once(self, limit: int = 100) -> int:
        """Start executions for pending rows; how many rows were taken."""
        conn = self.store.connection()
        machines = conn.execute(
            "SELECT DISTINCT state_machine FROM state_machine_starts WHERE started_at IS NULL"
        ).fetchall()
        taken = 0
        for (machine,) in machines:
            arn = machine if machine.startswith("arn:") else state_machine_arn(machine)
            try:
                name = self.sfn.describe_state_machine(arn)["name"]
            except AwsError as err:
                self._report(machine, "starts of state machine %s wait: %s", machine, err)
                continue
            rows = conn.execute(
                "SELECT seq, input, event_id FROM state_machine_starts "
                "WHERE started_at IS NULL AND state_machine = ? ORDER BY seq LIMIT ?",
                (machine, limit - taken),
            ).fetchall()
            taken += sum(self._start(arn, name, row) for row in rows)
            if taken >= limit:
                break
        return taken

    def _start(self, arn: str, machine_name: str, row: sqlite3.Row) -> bool:
        seq, text = row["seq"], row["input"]
        name = row["event_id"] or f"start-{seq}"
        with self.store.write() as conn:  # the engine's writes join this transaction
            try:
                self._start_once(arn, execution_arn(machine_name, name), name, text, seq)
            except AwsError as err:
                self._report(seq, "start %s of state machine %s waits: %s", seq, arn, err)
                return False
            conn.execute(
                "UPDATE state_machine_starts SET started_at = ? WHERE seq = ?",
                (self.sfn.clock.now(), seq),
            )
        return True

    def _start_once(self, arn: str, execution: str, name: str, text: str, seq: int) -> None:
        try:
            self.sfn.start_execution(arn, name=name, input=text)
        except AwsError as err:
            if err.code != "ExecutionAlreadyExists":
                raise
            if self.sfn.describe_execution(execution)["input"] != text:
                # the same event from another rule, with other input: an execution of its own
                self.sfn.start_execution(arn, name=f"{name}-{seq}", input=text)

    def _report(self, key: str | int, message: str, *args: object) -> None:
        if key not in self._reported:
            self._reported.add(key)
            logger.warning(message, *args)


def _as_json_payload(payload: str) -> str:
    """A Lambda target receives JSON: plain text from a template arrives as a JSON string."""
    try:
        json.loads(payload)
    except ValueError:
        return json.dumps(payload)
    return payload
