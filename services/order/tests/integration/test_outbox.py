"""The outbox: committed messages kept in commit order (in every store), unpublished messages
oldest first as a relay reads and marks them (SQLite and DynamoDB through moto), and what becomes
of a published message: DynamoDB takes it out of the index and lets it expire, SQLite deletes it
once the retention has passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest
from order_service.adapters import dynamodb, sqlite
from order_service.adapters.dynamodb import DynamoDbDatabase, DynamoDbUnitOfWork
from order_service.adapters.ports import OutboxMessage
from order_service.adapters.sqlite import SqliteDatabase, SqliteUnitOfWork

from .support import NOW, TABLE, Relay, Store, _item, _message, _queue


def test_the_outbox_keeps_committed_messages_in_commit_order(store: Store) -> None:
    _queue(store.uow, "e1", "e2")
    _queue(store.uow, "e3")
    with store.uow() as uow:
        uow.outbox.add(_message("e4"))  # rolled back
    _queue(store.uow, "e0")
    assert store.events() == ["e1", "e2", "e3", "e0"]


def test_the_relay_sees_unpublished_messages_oldest_first_until_published(relay: Relay) -> None:
    _queue(relay.uow, "e1", "e2")
    _queue(relay.uow, "e3", "e4", "e5")
    first = relay.pending(2)
    assert [m.event_id for _, m in first] == ["e1", "e2"]
    relay.publish([handle for handle, _ in first])
    rest = relay.pending(10)
    assert [m.event_id for _, m in rest] == ["e3", "e4", "e5"]
    relay.publish([handle for handle, _ in rest[1:]])
    assert [m.event_id for _, m in relay.pending(10)] == ["e3"]
    relay.publish([handle for handle, _ in rest[:1]])
    assert relay.pending(10) == []


def test_an_outbox_message_reads_back_equal(relay: Relay) -> None:
    data = {"orderId": "ord_1", "total": 25.0, "lines": [{"unitPrice": {"amount": "12.50"}}]}
    message = OutboxMessage("e1", "OrderPlaced@1", data, "ord_1", "req-1", NOW)
    with relay.uow() as uow:
        uow.outbox.add(message)
        uow.commit()
    assert [m for _, m in relay.pending(10)] == [message]


def test_a_published_message_leaves_the_index_and_stays_in_the_table(
    table: DynamoDbDatabase,
) -> None:
    _queue(partial(DynamoDbUnitOfWork, table), "e1")
    queued = _item(table, "OUTBOX#e1", "MESSAGE")
    assert queued["unpublished"] == {"S": "OUTBOX"}
    dynamodb.mark_published(table, ["e1", "e-unknown"], NOW)
    published = _item(table, "OUTBOX#e1", "MESSAGE")
    assert "unpublished" not in published
    assert published["published_at"] == {"S": NOW.isoformat()}
    expires = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)  # NOW + OUTBOX_RETENTION
    assert published["expires_at"] == {"N": str(int(expires.timestamp()))}
    assert "expires_at" not in queued
    assert published["queued_at"] == queued["queued_at"]
    assert _item(table, "OUTBOX#e-unknown", "MESSAGE") == {}
    assert dynamodb.unpublished(table) == []


def test_sqlite_deletes_messages_published_longer_ago_than_the_retention(
    tmp_path: Path,
) -> None:
    db = SqliteDatabase(tmp_path / "order.sqlite3")
    _queue(partial(SqliteUnitOfWork, db), "old", "recent", "now")
    seqs = {m.event_id: seq for seq, m in sqlite.unpublished(db)}
    sqlite.mark_published(db, [seqs["old"]], NOW - timedelta(days=7, seconds=1))
    sqlite.mark_published(db, [seqs["recent"]], NOW - timedelta(days=6, hours=23))
    kept = "SELECT event_id FROM order_outbox ORDER BY seq"
    assert [r["event_id"] for r in db.connection().execute(kept)] == ["old", "recent", "now"]
    sqlite.mark_published(db, [seqs["now"]], NOW.astimezone(timezone(timedelta(hours=2))))
    assert [r["event_id"] for r in db.connection().execute(kept)] == ["recent", "now"]
    assert sqlite.unpublished(db) == []


def test_a_message_the_lagging_index_still_lists_is_not_listed_once_published(
    table: DynamoDbDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queue(partial(DynamoDbUnitOfWork, table), "e1", "e2", "e3")
    query = table.client.query
    lagging = query(
        TableName=TABLE,
        IndexName="unpublished",
        KeyConditionExpression="unpublished = :o",
        ExpressionAttributeValues={":o": {"S": "OUTBOX"}},
    )
    monkeypatch.setattr(table.client, "query", lambda **_request: lagging)
    dynamodb.mark_published(table, ["e1", "e3"], NOW)
    assert [m.event_id for _, m in dynamodb.unpublished(table)] == ["e2"]
