"""Shard progress written before the newest arrival time was kept (a SQLite file with the old
``kpi_shards`` table, a DynamoDB shard item without ``arrived``): read with its last batch's
processing time as its newest arrival, and raised from there, never lowered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from analytics_service.adapters.dynamodb import DynamoDbKpiStore, create_table
from analytics_service.adapters.ports import KpiStore, micros
from analytics_service.adapters.sqlite import SqliteKpiStore
from analytics_service.domain.windows import ShardState
from tests.integration.conftest import sqlite_file

LATEST = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
SEEN = datetime(2026, 12, 5, 10, 0, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def old_sqlite(tmp_path: Path) -> KpiStore:
    path = sqlite_file(
        tmp_path / "analytics.sqlite",
        "CREATE TABLE kpi_shards (shard_id TEXT PRIMARY KEY, latest INTEGER NOT NULL, "
        "seen_at INTEGER NOT NULL);",
        "kpi_shards",
        [("s-1", micros(LATEST), micros(SEEN))],
    )
    return SqliteKpiStore(path)


def old_dynamodb(_tmp_path: Path) -> KpiStore:
    client = boto3.client("dynamodb", region_name="us-east-1")
    create_table(client, "analytics")
    client.put_item(
        TableName="analytics",
        Item={
            "pk": {"S": "SHARD"},
            "sk": {"S": "s-1"},
            "latest": {"N": str(micros(LATEST))},
            "seen_at": {"N": str(micros(SEEN))},
        },
    )
    return DynamoDbKpiStore(client, "analytics")


@pytest.fixture(params=[old_sqlite, old_dynamodb], ids=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KpiStore]:
    if request.param is old_dynamodb:
        request.getfixturevalue("aws")
    opened: KpiStore = request.param(tmp_path)
    yield opened
    if isinstance(opened, SqliteKpiStore):
        opened.close()


def test_an_old_shard_s_newest_arrival_is_its_last_processing_time(store: KpiStore) -> None:
    assert store.shards() == {"s-1": ShardState("s-1", LATEST, SEEN, SEEN)}


def test_an_old_shard_s_arrival_is_raised_from_its_processing_time_never_lowered(
    store: KpiStore,
) -> None:
    # a backlog after the upgrade: later events that arrived before the last processing time
    store.save_shard(ShardState("s-1", LATEST + SECOND, SEEN + 60 * SECOND, SEEN - 20 * SECOND))
    assert store.shards()["s-1"] == ShardState("s-1", LATEST + SECOND, SEEN + 60 * SECOND, SEEN)
    store.save_shard(ShardState("s-1", LATEST, SEEN + 90 * SECOND, SEEN + 5 * SECOND))
    assert store.shards()["s-1"] == ShardState(
        "s-1", LATEST + SECOND, SEEN + 90 * SECOND, SEEN + 5 * SECOND
    )
