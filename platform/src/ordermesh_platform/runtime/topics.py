"""SNS topics on the local runtime: topics, subscriptions to queues and functions, Publish and
PublishBatch.

A published message is written to the topic's log and handed to every subscription whose filter
policy accepts it in one SQLite transaction (the caller's, when a bus rule publishes), so once
Publish returns a message id the message and its deliveries are durable. SQS subscribers get the
SNS envelope, or with raw message delivery the message itself with its attributes as SQS message
attributes; Lambda subscribers are invoked asynchronously with the ``Records[].Sns`` event, as SNS
invokes them (retries, then the function's dead-letter queue). The log (``messages``) is what
``ordermesh alerts tail`` follows.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ordermesh_platform.runtime.function_calls import FunctionError
from ordermesh_platform.runtime.functions import Functions
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.topic_attributes import TopicMetadata
from ordermesh_platform.runtime.topic_messages import (
    MAX_MESSAGE_BYTES,
    PublishedMessage,
    TopicError,
    check_publish,
    lambda_event,
    notification,
)
from ordermesh_platform.shared.aws import AwsError, arn, new_id
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store
from ordermesh_platform.sns import (
    FilterPolicy,
    InvalidFilterPolicyError,
    MessageView,
    check_scope,
    compile_filter_policy,
)

__all__ = ["Subscription", "TopicError", "TopicMessage", "Topics", "topic_arn"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (
    name TEXT PRIMARY KEY,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS topic_subscriptions (
    arn TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    protocol TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    raw_message_delivery INTEGER NOT NULL DEFAULT 0,
    filter_policy TEXT,
    filter_policy_scope TEXT NOT NULL DEFAULT 'MessageAttributes',
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS topic_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    message_id TEXT NOT NULL,
    subject TEXT,
    message TEXT NOT NULL,
    message_attributes TEXT NOT NULL,
    published_at REAL NOT NULL,
    deliveries INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS topic_messages_by_topic ON topic_messages (topic, seq);
"""

MAX_BATCH_ENTRIES = 10
_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
Protocol = Literal["sqs", "lambda"]
PROTOCOLS: tuple[Protocol, ...] = ("sqs", "lambda")


RAW_DELIVERY_SQS_ONLY = (
    "Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [true]. "
    "Raw message delivery is available for SQS, HTTP(S) and Firehose subscriptions"
)


def raw_message_delivery(value: str) -> bool:
    """The RawMessageDelivery attribute's value: ``true`` or ``false``, in any case."""
    if value.lower() not in ("true", "false"):
        reason = (
            f"Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [{value}]. "
            "Must be true or false."
        )
        raise TopicError("InvalidParameter", reason)
    return value.lower() == "true"


def topic_arn(name: str) -> str:
    return arn("sns", name)


def topic_name(name_or_arn: str) -> str:
    return name_or_arn.rsplit(":", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn


@dataclass(frozen=True)
class Subscription:
    arn: str
    topic: str
    protocol: Protocol
    endpoint: str  # the queue or function name
    raw_message_delivery: bool = False
    filter_policy: FilterPolicy | None = None


@dataclass(frozen=True)
class TopicMessage:
    """One message of a topic's log."""

    seq: int
    topic: str
    message_id: str
    subject: str | None
    message: str
    attributes: dict[str, dict[str, str]]
    published_at: float
    deliveries: int


class Topics:
    def __init__(self, store: Store, clock: Clock, queues: Queues, functions: Functions) -> None:
        self.store = store
        self.clock = clock
        self.queues = queues
        self.functions = functions
        self.metadata = TopicMetadata(store)
        store.ensure_schema(SCHEMA)

    # --- topics and subscriptions ---------------------------------------------------------
    def create_topic(
        self,
        name: str,
        attributes: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """Create the topic with its attributes and tags; its ARN. Idempotent, as CreateTopic
        is: for an existing topic nothing changes."""
        if not _TOPIC_NAME.match(name):
            reason = "Invalid parameter: Topic Name: 1 to 256 of A-Z a-z 0-9 _ -"
            raise TopicError("InvalidParameter", reason)
        with self.store.write() as conn:
            created = conn.execute(
                "INSERT OR IGNORE INTO topics (name, created_at) VALUES (?, ?)",
                (name, self.clock.now()),
            )
            if created.rowcount:
                self.metadata.set_attributes(name, attributes or {})
                self.metadata.tag(name, tags or {})
        return topic_arn(name)

    def delete_topic(self, topic: str) -> None:
        """DeleteTopic: the topic, its subscriptions, attributes and tags (its log stays, for
        ``alerts tail``). Deleting a topic that does not exist is no error, as in SNS."""
        name = topic_name(topic)
        with self.store.write() as conn:
            conn.execute("DELETE FROM topic_subscriptions WHERE topic = ?", (name,))
            conn.execute("DELETE FROM topics WHERE name = ?", (name,))
            self.metadata.forget(conn, name)

    def names(self) -> list[str]:
        rows = self.store.connection().execute("SELECT name FROM topics ORDER BY name")
        return [row[0] for row in rows]

    def subscribe(  # noqa: PLR0913 - Subscribe's attributes
        self,
        topic: str,
        protocol: str,
        endpoint: str,
        *,
        raw_message_delivery: bool = False,
        filter_policy: str | Mapping[str, Any] | None = None,
        filter_policy_scope: str = "MessageAttributes",
        name: str | None = None,
    ) -> str:
        """Subscribe the queue or function ``endpoint`` (a name or an ARN); the subscription ARN.

        A ``name`` makes the ARN stable (manifest subscriptions): subscribing again with it
        replaces the subscription's attributes, as a redeployed stack does.
        """
        topic = self.existing(topic)
        if protocol not in PROTOCOLS:
            raise TopicError("InvalidParameter", f"Invalid parameter: Protocol: {protocol}")
        endpoint = self._endpoint(protocol, endpoint)
        if raw_message_delivery and protocol != "sqs":
            raise TopicError("InvalidParameter", RAW_DELIVERY_SQS_ONLY)
        try:
            scope = check_scope(filter_policy_scope)
            text = None
            if filter_policy is not None:
                text = compile_filter_policy(filter_policy, scope).text
        except InvalidFilterPolicyError as exc:
            raise TopicError(exc.code, exc.aws_message("Subscribe")) from exc
        key = name or new_id()
        subscription = f"{topic_arn(topic)}:{uuid.uuid5(uuid.NAMESPACE_URL, f'{topic}/{key}')}"
        self.store.execute(
            "INSERT OR REPLACE INTO topic_subscriptions (arn, topic, protocol, endpoint, "
            "raw_message_delivery, filter_policy, filter_policy_scope, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                subscription,
                topic,
                protocol,
                endpoint,
                raw_message_delivery,
                text,
                scope,
                self.clock.now(),
            ),
        )
        return subscription

    def set_subscription_attribute(self, subscription_arn: str, name: str, value: str) -> None:
        """SetSubscriptionAttributes for FilterPolicy, FilterPolicyScope, RawMessageDelivery."""
        current = self._subscription_row(subscription_arn)
        scope, policy = current["filter_policy_scope"], current["filter_policy"]
        try:
            if name == "FilterPolicyScope":
                scope = check_scope(value)
            elif name == "FilterPolicy":
                policy = value or None
            elif name == "RawMessageDelivery":
                raw = raw_message_delivery(value)
                if raw and current["protocol"] != "sqs":
                    raise TopicError("InvalidParameter", RAW_DELIVERY_SQS_ONLY)
                self.store.execute(
                    "UPDATE topic_subscriptions SET raw_message_delivery = ? WHERE arn = ?",
                    (raw, subscription_arn),
                )
                return
            else:
                raise TopicError("InvalidParameter", f"Invalid parameter: AttributeName: {name}")
            if policy is not None:
                compile_filter_policy(policy, scope)
        except InvalidFilterPolicyError as exc:
            raise TopicError(exc.code, exc.aws_message("SetSubscriptionAttributes")) from exc
        self.store.execute(
            "UPDATE topic_subscriptions SET filter_policy = ?, filter_policy_scope = ? "
            "WHERE arn = ?",
            (policy, scope, subscription_arn),
        )

    def subscriptions(self, topic: str | None = None) -> list[Subscription]:
        conn = self.store.connection()
        if topic is None:
            rows = conn.execute("SELECT * FROM topic_subscriptions ORDER BY topic, arn")
        else:
            rows = conn.execute(
                "SELECT * FROM topic_subscriptions WHERE topic = ? ORDER BY arn",
                (topic_name(topic),),
            )
        return [_subscription(row) for row in rows]

    def unsubscribe(self, subscription_arn: str) -> None:
        self.store.execute("DELETE FROM topic_subscriptions WHERE arn = ?", (subscription_arn,))

    # --- publishing -------------------------------------------------------------------------
    def publish(
        self,
        topic: str,
        message: Any,
        *,
        subject: str | None = None,
        message_attributes: Mapping[str, Mapping[str, Any]] | None = None,
        message_structure: str | None = None,
        conn: sqlite3.Connection | None = None,
    ) -> str:
        """Publish one message; its message id. Joins ``conn``'s transaction when given."""
        name = self.existing(topic)
        body, attributes, per_protocol = check_publish(
            message,
            subject=subject,
            attributes=message_attributes,
            message_structure=message_structure,
        )
        published = PublishedMessage(
            topic_arn(name), new_id(), body, self.clock.now(), subject, attributes, per_protocol
        )
        if conn is not None:
            self._deliver(conn, name, published)
        else:
            with self.store.write() as own:
                self._deliver(own, name, published)
        return published.message_id

    def publish_batch(
        self, topic: str, entries: Sequence[Mapping[str, Any]]
    ) -> dict[str, list[dict[str, Any]]]:
        """PublishBatch: the request's checks, then each entry published or failed on its own."""
        name = self.existing(topic)
        _check_batch(entries)
        successful: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        with self.store.write() as conn:
            for entry in entries:
                try:
                    message_id = self.publish(
                        name,
                        entry.get("Message"),
                        subject=entry.get("Subject"),
                        message_attributes=entry.get("MessageAttributes"),
                        message_structure=entry.get("MessageStructure"),
                        conn=conn,
                    )
                except TopicError as exc:
                    failed.append(
                        {
                            "Id": entry["Id"],
                            "Code": exc.code,
                            "Message": exc.message,
                            "SenderFault": True,
                        }
                    )
                else:
                    successful.append({"Id": entry["Id"], "MessageId": message_id})
        return {"Successful": successful, "Failed": failed}

    def messages(
        self, topic: str | None = None, *, after: int = 0, limit: int = 100
    ) -> list[TopicMessage]:
        """The log of published messages after ``after`` (a seq), oldest first."""
        conn = self.store.connection()
        if topic is None:
            sql = "SELECT * FROM topic_messages WHERE seq > ? ORDER BY seq LIMIT ?"
            rows = conn.execute(sql, (after, limit))
        else:
            sql = "SELECT * FROM topic_messages WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?"
            rows = conn.execute(sql, (topic_name(topic), after, limit))
        return [_topic_message(row) for row in rows]

    def recent(self, topic: str, count: int) -> list[TopicMessage]:
        """The topic's last ``count`` messages, oldest first."""
        rows = self.store.connection().execute(
            "SELECT * FROM topic_messages WHERE topic = ? ORDER BY seq DESC LIMIT ?",
            (topic_name(topic), count),
        )
        return [_topic_message(row) for row in reversed(rows.fetchall())]

    # --- internals --------------------------------------------------------------------------
    def _deliver(self, conn: sqlite3.Connection, topic: str, published: PublishedMessage) -> None:
        view = MessageView(published.message, published.attributes)
        delivered = 0
        for subscription in self.subscriptions(topic):
            policy = subscription.filter_policy
            if policy is not None and not policy.matches_view(view):
                continue
            delivered += 1
            if subscription.protocol == "lambda":
                payload = lambda_event(published, subscription.arn)
                self.functions.invoke_async(subscription.endpoint, payload, conn=conn)
            elif subscription.raw_message_delivery:
                self.queues.send(
                    subscription.endpoint,
                    published.body_for("sqs"),
                    message_attributes=published.attributes,
                    conn=conn,
                )
            else:
                body = notification(published, subscription.arn, "sqs")
                self.queues.send(subscription.endpoint, body, conn=conn)
        conn.execute(
            "INSERT INTO topic_messages (topic, message_id, subject, message, "
            "message_attributes, published_at, deliveries) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                topic,
                published.message_id,
                published.subject,
                published.message,
                json.dumps(published.attributes),
                published.published_at,
                delivered,
            ),
        )

    def existing(self, topic: str) -> str:
        """The name of the topic ``topic`` (a name or an ARN) names, or NotFound."""
        name = topic_name(topic)
        row = self.store.connection().execute("SELECT 1 FROM topics WHERE name = ?", (name,))
        if row.fetchone() is None:
            raise TopicError("NotFound", f"Topic does not exist: {name}")
        return name

    def subscription(self, subscription_arn: str) -> Subscription:
        """One subscription, or NotFound."""
        return _subscription(self._subscription_row(subscription_arn))

    def _endpoint(self, protocol: str, endpoint: str) -> str:
        name = endpoint.rsplit(":", 1)[-1] if endpoint.startswith("arn:") else endpoint
        try:
            if protocol == "sqs":
                self.queues.settings(name)
            else:
                self.functions.settings(name)
        except (AwsError, FunctionError) as exc:
            reason = f"Invalid parameter: Endpoint: no {protocol} endpoint {name!r}"
            raise TopicError("InvalidParameter", reason) from exc
        return name

    def _subscription_row(self, subscription_arn: str) -> sqlite3.Row:
        row = (
            self.store.connection()
            .execute("SELECT * FROM topic_subscriptions WHERE arn = ?", (subscription_arn,))
            .fetchone()
        )
        if row is None:
            raise TopicError("NotFound", f"Subscription does not exist: {subscription_arn}")
        return row  # type: ignore[no-any-return]


def _check_batch(entries: Sequence[Mapping[str, Any]]) -> None:
    if not entries:
        raise TopicError("EmptyBatchRequest", "The batch request doesn't contain any entries")
    if len(entries) > MAX_BATCH_ENTRIES:
        reason = f"The batch request contains more entries than permissible ({MAX_BATCH_ENTRIES})"
        raise TopicError("TooManyEntriesInBatchRequest", reason)
    ids = [entry.get("Id") for entry in entries]
    for entry_id in ids:
        if not isinstance(entry_id, str) or not _BATCH_ID.match(entry_id):
            reason = (
                "The Id of a batch entry in a batch request doesn't abide by the specification: "
                f"{entry_id!r}"
            )
            raise TopicError("InvalidBatchEntryId", reason)
    if len(set(ids)) != len(ids):
        raise TopicError("BatchEntryIdsNotDistinct", "Two or more batch entries have the same Id")
    total = sum(
        len(str(entry.get("Message", "")).encode())
        + sum(
            len(json.dumps(a, default=str)) for a in (entry.get("MessageAttributes") or {}).values()
        )
        for entry in entries
    )
    if total > MAX_MESSAGE_BYTES:
        reason = (
            f"The length of all the messages put together is more than {MAX_MESSAGE_BYTES} bytes"
        )
        raise TopicError("BatchRequestTooLong", reason)


@functools.lru_cache(maxsize=256)
def _policy(text: str, scope: str) -> FilterPolicy:
    """A stored policy, compiled once per process (it was checked when it was stored)."""
    return compile_filter_policy(text, scope)


def _subscription(row: sqlite3.Row) -> Subscription:
    policy = None
    if row["filter_policy"] is not None:
        policy = _policy(row["filter_policy"], row["filter_policy_scope"])
    return Subscription(
        arn=row["arn"],
        topic=row["topic"],
        protocol=row["protocol"],
        endpoint=row["endpoint"],
        raw_message_delivery=bool(row["raw_message_delivery"]),
        filter_policy=policy,
    )


def _topic_message(row: sqlite3.Row) -> TopicMessage:
    return TopicMessage(
        seq=row["seq"],
        topic=row["topic"],
        message_id=row["message_id"],
        subject=row["subject"],
        message=row["message"],
        attributes=json.loads(row["message_attributes"]),
        published_at=row["published_at"],
        deliveries=row["deliveries"],
    )
