"""SQS standard queues on SQLite: at-least-once delivery, visibility timeout, delay, receive
count and ``maxReceiveCount`` redrive to a dead-letter queue, and redrive back from it.

A message received and not deleted becomes visible again when its visibility timeout ends, also
after a crash: the timeout is a timestamp in the database, not a timer in memory.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ordermesh_platform.shared.aws import (
    AwsError,
    md5_hex,
    md5_of_message_attributes,
    new_id,
    queue_arn,
)
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (
    name TEXT PRIMARY KEY,
    settings TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    message_attributes TEXT NOT NULL,
    sent_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_received_at REAL,
    receipt_handle TEXT,
    source_queue TEXT
);
CREATE INDEX IF NOT EXISTS messages_due ON messages (queue, visible_at, seq);
"""

MAX_MESSAGE_BYTES = 262_144
MAX_BATCH = 10
MAX_VISIBILITY_TIMEOUT = 43_200
MAX_DELAY = 900


def queue_channel(queue: str) -> str:
    """The store channel notified when a message becomes visible on ``queue`` at once."""
    return f"queue:{queue}"


class QueueError(AwsError):
    """A request SQS would reject: ``code`` is SQS's error code."""


@dataclass(frozen=True)
class QueueSettings:
    visibility_timeout: float = 30.0
    delay_seconds: float = 0.0
    max_receive_count: int | None = None  # with dead_letter_queue: the redrive policy
    dead_letter_queue: str | None = None
    retention_seconds: float = 345_600.0  # four days, SQS's default

    def __post_init__(self) -> None:
        if not 0 <= self.visibility_timeout <= MAX_VISIBILITY_TIMEOUT:
            raise QueueError("InvalidAttributeValue", "VisibilityTimeout must be 0 to 43200")
        if not 0 <= self.delay_seconds <= MAX_DELAY:
            raise QueueError("InvalidAttributeValue", "DelaySeconds must be 0 to 900")
        if (self.max_receive_count is None) != (self.dead_letter_queue is None):
            raise QueueError(
                "InvalidAttributeValue",
                "a redrive policy needs both maxReceiveCount and a dead-letter queue",
            )
        if self.max_receive_count is not None and not 1 <= self.max_receive_count <= 1000:  # noqa: PLR2004
            raise QueueError("InvalidAttributeValue", "maxReceiveCount must be 1 to 1000")


@dataclass(frozen=True)
class Message:
    """A received (or peeked) message, with the attributes SQS reports."""

    queue: str
    message_id: str
    receipt_handle: str
    body: str
    sent_at: float
    receive_count: int
    first_received_at: float | None
    message_attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    source_queue: str | None = None

    @property
    def md5_of_body(self) -> str:
        return md5_hex(self.body.encode())

    @property
    def md5_of_message_attributes(self) -> str | None:
        return md5_of_message_attributes(self.message_attributes)

    def attributes(self) -> dict[str, str]:
        """The system attributes, as the SQS Lambda event spells them."""
        attributes = {
            "ApproximateReceiveCount": str(self.receive_count),
            "SentTimestamp": str(int(self.sent_at * 1000)),
            "SenderId": "AIDAORDERMESHLOCAL",
            "ApproximateFirstReceiveTimestamp": str(
                int((self.first_received_at or self.sent_at) * 1000)
            ),
        }
        if self.source_queue:
            attributes["DeadLetterQueueSourceArn"] = queue_arn(self.source_queue)
        return attributes


@dataclass(frozen=True)
class QueueDepth:
    visible: int
    in_flight: int
    delayed: int


class Queues:
    """All the runtime's queues. Methods taking ``conn`` join the caller's transaction."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        store.ensure_schema(SCHEMA)
        self._settings: dict[str, QueueSettings] = {}

    # --- queues -------------------------------------------------------------------------------
    def create(self, name: str, settings: QueueSettings | None = None) -> None:
        """Create a queue or update its settings (idempotent)."""
        settings = settings or QueueSettings()
        if settings.dead_letter_queue and settings.dead_letter_queue not in self.names():
            self.create(settings.dead_letter_queue)
        with self.store.write() as conn:
            conn.execute(
                "INSERT INTO queues (name, settings, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET settings = excluded.settings",
                (name, json.dumps(settings.__dict__), self.clock.now()),
            )
        self._settings[name] = settings

    def names(self) -> list[str]:
        rows = self.store.connection().execute("SELECT name FROM queues ORDER BY name")
        return [r["name"] for r in rows]

    def settings(self, name: str) -> QueueSettings:
        cached = self._settings.get(name)
        if cached is not None:
            return cached
        row = (
            self.store.connection()
            .execute("SELECT settings FROM queues WHERE name = ?", (name,))
            .fetchone()
        )
        if row is None:
            raise QueueError("AWS.SimpleQueueService.NonExistentQueue", f"no queue named {name!r}")
        settings = QueueSettings(**json.loads(row["settings"]))
        self._settings[name] = settings
        return settings

    def dead_letter_sources(self, dlq: str) -> list[str]:
        return [n for n in self.names() if self.settings(n).dead_letter_queue == dlq]

    # --- messages -----------------------------------------------------------------------------
    def send(
        self,
        queue: str,
        body: str,
        *,
        message_attributes: Mapping[str, Mapping[str, Any]] | None = None,
        delay_seconds: float | None = None,
        conn: sqlite3.Connection | None = None,
    ) -> str:
        """Enqueue one message; its id. Joins ``conn``'s transaction when given."""
        settings = self.settings(queue)
        size = len(body.encode()) + _attributes_size(message_attributes or {})
        if size > MAX_MESSAGE_BYTES:
            raise QueueError(
                "InvalidParameterValue",
                f"message of {size} bytes is longer than {MAX_MESSAGE_BYTES} bytes",
            )
        delay = settings.delay_seconds if delay_seconds is None else delay_seconds
        if not 0 <= delay <= MAX_DELAY:
            raise QueueError("InvalidParameterValue", "DelaySeconds must be 0 to 900")
        message_id = new_id()
        now = self.clock.now()
        row = (
            queue,
            message_id,
            body,
            json.dumps(dict(message_attributes)) if message_attributes else "{}",
            now,
            now + delay,
        )
        sql = (
            "INSERT INTO messages (queue, id, body, message_attributes, sent_at, visible_at) "
            "VALUES (?, ?, ?, ?, ?, ?)"
        )
        self.store.execute(sql, row, conn)
        if delay == 0:
            self.store.notify(queue_channel(queue))
        return message_id

    def receive(
        self, queue: str, max_messages: int = 1, visibility_timeout: float | None = None
    ) -> list[Message]:
        """Up to ``max_messages`` visible messages, hidden for the visibility timeout.

        A message already received ``maxReceiveCount`` times moves to the dead-letter queue
        instead of being returned, as SQS does.
        """
        if not 1 <= max_messages <= MAX_BATCH:
            raise QueueError("InvalidParameterValue", "MaxNumberOfMessages must be 1 to 10")
        settings = self.settings(queue)
        timeout = settings.visibility_timeout if visibility_timeout is None else visibility_timeout
        now = self.clock.now()
        received: list[Message] = []
        updates: list[tuple[float, float, str, int]] = []
        with self.store.write() as conn:
            while len(received) < max_messages:
                rows = conn.execute(
                    "SELECT * FROM messages WHERE queue = ? AND visible_at <= ? "
                    "ORDER BY visible_at, seq LIMIT ?",
                    (queue, now, max_messages - len(received)),
                ).fetchall()
                if not rows:
                    break
                for row in rows:
                    if (
                        settings.max_receive_count is not None
                        and row["receive_count"] >= settings.max_receive_count
                    ):
                        self._move_to_dlq(conn, row, settings)
                        continue
                    handle = f"{row['seq']}:{uuid.uuid4().hex}"
                    first = row["first_received_at"] or now
                    updates.append((now + timeout, first, handle, row["seq"]))
                    received.append(_message(row, handle, row["receive_count"] + 1, first))
                conn.executemany(
                    "UPDATE messages SET visible_at = ?, receive_count = receive_count + 1, "
                    "first_received_at = ?, receipt_handle = ? WHERE seq = ?",
                    updates,
                )
                updates.clear()
        return received

    def _move_to_dlq(
        self, conn: sqlite3.Connection, row: sqlite3.Row, settings: QueueSettings
    ) -> None:
        conn.execute(
            "UPDATE messages SET queue = ?, visible_at = ?, receive_count = 0, "
            "first_received_at = NULL, receipt_handle = NULL, source_queue = ? WHERE seq = ?",
            (settings.dead_letter_queue, self.clock.now(), row["queue"], row["seq"]),
        )

    def delete(self, queue: str, receipt_handle: str) -> bool:
        """Delete a received message; False if the handle is no longer current."""
        return self.delete_batch(queue, [receipt_handle]) == 1

    def delete_batch(self, queue: str, receipt_handles: list[str]) -> int:
        """Delete received messages by receipt handle; how many were still current."""
        keys = [(queue, _seq(h), h) for h in receipt_handles]
        with self.store.write() as conn:
            before = conn.total_changes
            conn.executemany(
                "DELETE FROM messages WHERE queue = ? AND seq = ? AND receipt_handle = ?", keys
            )
            return conn.total_changes - before

    def change_visibility(self, queue: str, receipt_handle: str, timeout: float) -> None:
        if not 0 <= timeout <= MAX_VISIBILITY_TIMEOUT:
            raise QueueError("InvalidParameterValue", "VisibilityTimeout must be 0 to 43200")
        with self.store.write() as conn:
            cursor = conn.execute(
                "UPDATE messages SET visible_at = ? "
                "WHERE queue = ? AND seq = ? AND receipt_handle = ?",
                (self.clock.now() + timeout, queue, _seq(receipt_handle), receipt_handle),
            )
        if cursor.rowcount != 1:
            raise QueueError("ReceiptHandleIsInvalid", f"receipt handle {receipt_handle!r}")

    def peek(self, queue: str, limit: int = 100) -> list[Message]:
        """Messages in the queue, oldest first, without receiving them."""
        rows = self.store.connection().execute(
            "SELECT * FROM messages WHERE queue = ? ORDER BY seq LIMIT ?", (queue, limit)
        )
        return [
            _message(r, r["receipt_handle"] or "", r["receive_count"], r["first_received_at"])
            for r in rows
        ]

    def get(self, queue: str, message_id: str) -> Message | None:
        row = (
            self.store.connection()
            .execute("SELECT * FROM messages WHERE queue = ? AND id = ?", (queue, message_id))
            .fetchone()
        )
        if row is None:
            return None
        return _message(
            row, row["receipt_handle"] or "", row["receive_count"], row["first_received_at"]
        )

    def depth(self, queue: str) -> QueueDepth:
        now = self.clock.now()
        row = (
            self.store.connection()
            .execute(
                "SELECT "
                " SUM(visible_at <= ?) AS visible,"
                " SUM(visible_at > ? AND receipt_handle IS NOT NULL) AS in_flight,"
                " SUM(visible_at > ? AND receipt_handle IS NULL) AS delayed "
                "FROM messages WHERE queue = ?",
                (now, now, now, queue),
            )
            .fetchone()
        )
        return QueueDepth(row["visible"] or 0, row["in_flight"] or 0, row["delayed"] or 0)

    def redrive(self, dlq: str, destination: str | None = None, *, limit: int | None = None) -> int:
        """Move messages from a dead-letter queue back to where they came from (or to
        ``destination``); returns how many moved. Messages are visible at once, receive count 0."""
        now = self.clock.now()
        with self.store.write() as conn:
            rows = conn.execute(
                "SELECT seq, source_queue FROM messages WHERE queue = ? ORDER BY seq LIMIT ?",
                (dlq, -1 if limit is None else limit),
            ).fetchall()
            moved = 0
            for row in rows:
                target = destination or row["source_queue"]
                if target is None:
                    continue
                self.settings(target)  # raises if the destination does not exist
                conn.execute(
                    "UPDATE messages SET queue = ?, visible_at = ?, receive_count = 0, "
                    "first_received_at = NULL, receipt_handle = NULL, source_queue = NULL "
                    "WHERE seq = ?",
                    (target, now, row["seq"]),
                )
                self.store.notify(queue_channel(target))
                moved += 1
        return moved

    def purge(self, queue: str) -> int:
        with self.store.write() as conn:
            return conn.execute("DELETE FROM messages WHERE queue = ?", (queue,)).rowcount

    def expire(self) -> int:
        """Drop messages older than their queue's retention period."""
        now = self.clock.now()
        removed = 0
        with self.store.write() as conn:
            for name in self.names():
                retention = self.settings(name).retention_seconds
                removed += conn.execute(
                    "DELETE FROM messages WHERE queue = ? AND sent_at < ?", (name, now - retention)
                ).rowcount
        return removed


def _message(
    row: sqlite3.Row, handle: str, receive_count: int, first_received_at: float | None
) -> Message:
    return Message(
        queue=row["queue"],
        message_id=row["id"],
        receipt_handle=handle,
        body=row["body"],
        sent_at=row["sent_at"],
        receive_count=receive_count,
        first_received_at=first_received_at,
        message_attributes=json.loads(row["message_attributes"]),
        source_queue=row["source_queue"],
    )


def _seq(receipt_handle: str) -> int:
    """The message row a receipt handle names (-1 for a malformed handle: matches nothing)."""
    seq, _, _ = receipt_handle.partition(":")
    return int(seq) if seq.isdigit() else -1


def _attributes_size(attributes: Mapping[str, Mapping[str, Any]]) -> int:
    size = 0
    for name, attribute in attributes.items():
        size += len(name.encode()) + len(str(attribute.get("DataType", "")).encode())
        value = attribute.get("StringValue", attribute.get("BinaryValue", ""))
        size += len(value if isinstance(value, bytes) else str(value).encode())
    return size
