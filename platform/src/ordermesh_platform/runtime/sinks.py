"""Bus targets: how a matched event reaches a queue, a function, a stream or a state machine.

Each sink writes inside the bus's transaction, so an event is never accepted without its
deliveries. Functions are invoked asynchronously (the invoke queue), as EventBridge invokes them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from ordermesh_platform.runtime.bus import Target
from ordermesh_platform.runtime.clock import Clock
from ordermesh_platform.runtime.functions import Functions
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.store import Store
from ordermesh_platform.runtime.streams import Streams
from ordermesh_platform.runtime.transform import parse_path, resolve

STATE_MACHINE_SCHEMA = """
CREATE TABLE IF NOT EXISTS state_machine_starts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    state_machine TEXT NOT NULL,
    input TEXT NOT NULL,
    event_id TEXT,
    created_at REAL NOT NULL,
    started_at REAL
);
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


class StateMachineSink:
    """Start requests for the saga engine, kept until the engine takes them."""

    def __init__(self, store: Store, clock: Clock) -> None:
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


def _as_json_payload(payload: str) -> str:
    """A Lambda target receives JSON: plain text from a template arrives as a JSON string."""
    try:
        json.loads(payload)
    except ValueError:
        return json.dumps(payload)
    return payload
