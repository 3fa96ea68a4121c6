"""What a local topic keeps beside its subscriptions: the attributes set by CreateTopic and
SetTopicAttributes (DisplayName, Policy, DeliveryPolicy, ...: kept and answered by
GetTopicAttributes, with no effect on delivery) and its tags (TagResource, ListTagsForResource,
UntagResource; at most 50 a topic, as SNS allows). Both go with the topic when it is deleted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from ordermesh_platform.runtime.topic_messages import TopicError
from ordermesh_platform.shared.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS topic_attributes (
    topic TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (topic, name)
);
CREATE TABLE IF NOT EXISTS topic_tags (
    topic TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (topic, name)
);
"""

MAX_TAGS = 50
TAG_LIMIT = "Could not complete request: tag quota of per resource exceeded"
# each table's read (its pairs, by name) and its write (insert or replace one pair)
_ATTRIBUTES = (
    "SELECT name, value FROM topic_attributes WHERE topic = ? ORDER BY name",
    "INSERT OR REPLACE INTO topic_attributes (topic, name, value) VALUES (?, ?, ?)",
)
_TAGS = (
    "SELECT name, value FROM topic_tags WHERE topic = ? ORDER BY name",
    "INSERT OR REPLACE INTO topic_tags (topic, name, value) VALUES (?, ?, ?)",
)


class TopicMetadata:
    """Topic attributes and tags, by topic name; the caller has checked names and values."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure_schema(SCHEMA)

    def attributes(self, topic: str) -> dict[str, str]:
        return self._read(_ATTRIBUTES, topic)

    def set_attributes(self, topic: str, attributes: Mapping[str, str]) -> None:
        """Set ``attributes`` (inside the caller's write transaction, if there is one)."""
        with self.store.write() as conn:
            _write(conn, _ATTRIBUTES, topic, attributes)

    def tags(self, topic: str) -> dict[str, str]:
        return self._read(_TAGS, topic)

    def tag(self, topic: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite ``tags``; TagLimitExceeded if the topic would have more than 50."""
        with self.store.write() as conn:
            if len(set(self._read(_TAGS, topic)) | set(tags)) > MAX_TAGS:
                raise TopicError("TagLimitExceeded", TAG_LIMIT)
            _write(conn, _TAGS, topic, tags)

    def untag(self, topic: str, keys: Iterable[str]) -> None:
        with self.store.write() as conn:
            conn.executemany(
                "DELETE FROM topic_tags WHERE topic = ? AND name = ?", [(topic, k) for k in keys]
            )

    def forget(self, conn: sqlite3.Connection, topic: str) -> None:
        """Drop the topic's attributes and tags (in the caller's transaction)."""
        conn.execute("DELETE FROM topic_attributes WHERE topic = ?", (topic,))
        conn.execute("DELETE FROM topic_tags WHERE topic = ?", (topic,))

    def _read(self, table: tuple[str, str], topic: str) -> dict[str, str]:
        return dict(self.store.connection().execute(table[0], (topic,)))


def _write(
    conn: sqlite3.Connection, table: tuple[str, str], topic: str, pairs: Mapping[str, str]
) -> None:
    conn.executemany(table[1], [(topic, name, value) for name, value in pairs.items()])
