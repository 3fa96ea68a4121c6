"""The stream consumer's handler on a Kinesis batch event as Lambda sends it, inside a local
environment (SQLite in its state folder): counted events, and a record that is not an
ordermesh event answered in ``batchItemFailures``."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from analytics_service import bootstrap
from analytics_service.adapters.sqlite import SqliteKpiStore
from analytics_service.domain.windows import OTHER_SHARDS, Granularity
from analytics_service.entrypoints.stream import handler
from ordermesh_contracts import environment
from tests.events import T0, event

ARRIVED = datetime(2025, 12, 5, 10, 20, 0, 250_000, tzinfo=UTC)
STREAM_ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/ordermesh-analytics"


class Context:
    function_name = "analytics-kpis"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:analytics-kpis"
    aws_request_id = "req-1"


def kinesis_event(payloads: list[bytes]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "ord_1",
                    "sequenceNumber": f"4959{i:020d}",
                    "data": base64.b64encode(data).decode(),
                    "approximateArrivalTimestamp": ARRIVED.timestamp(),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"shardId-000000000001:4959{i:020d}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/analytics-kpis-role",
                "awsRegion": "eu-west-1",
                "eventSourceARN": STREAM_ARN,
            }
            for i, data in enumerate(payloads)
        ]
    }


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Path]:
    env = environment.LocalEnvironment(
        tmp_path, lambda _name: None, {"ALLOWED_LATENESS_SECONDS": "30", "EVENT_BUS_NAME": "bus"}
    )
    environment.activate(env)
    yield tmp_path
    environment.deactivate(env)


def test_a_batch_is_counted_and_an_unreadable_record_reported(local: Path) -> None:
    placed = json.dumps(event("placed", T0)).encode()
    answer = handler(kinesis_event([placed, b"not an event", placed]), Context())  # type: ignore[arg-type]
    assert answer == {"batchItemFailures": [{"itemIdentifier": f"4959{1:020d}"}]}
    assert bootstrap.container().settings.allowed_lateness == timedelta(seconds=30)
    store = SqliteKpiStore(local / "analytics.sqlite")
    [window] = store.windows(Granularity.MINUTE, T0, T0 + timedelta(minutes=1))
    assert window.orders_placed == 1
    # the stream's shards not known: the others are held for until they deliver or are idle
    assert set(store.shards()) == {"shardId-000000000001", OTHER_SHARDS}
    # the shard's newest arrival is the records' approximateArrivalTimestamp
    assert store.shards()["shardId-000000000001"].arrived == ARRIVED
    store.close()


def test_each_batch_emits_its_counts_as_metrics_of_the_analytics_service(
    local: Path,  # noqa: ARG001 - the local environment the handler runs in
    capsys: pytest.CaptureFixture[str],
) -> None:
    placed = json.dumps(event("placed", T0)).encode()
    capsys.readouterr()
    handler(kinesis_event([placed, b"not an event", placed]), Context())  # type: ignore[arg-type]
    (emf,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "ordermesh"
    assert emf["service"] == "analytics"
    assert {m["Name"]: emf[m["Name"]] for m in directive["Metrics"]} == {
        "EventsCounted": [1.0],  # the second copy is a duplicate
        "DuplicateEvents": [1.0],
        "LateEvents": [0.0],
        "UnreadableRecords": [1.0],
        "WindowsFinalised": [0.0],
        "AnomaliesPublished": [0.0],
    }
