"""boto3 against the runtime's EventBridge endpoint on loopback."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from ordermesh_platform.runtime.bus import LocalEventBus, Rule, Target
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.server import BackgroundServer
from ordermesh_platform.runtime.sinks import QueueSink
from ordermesh_platform.runtime.wire import events_app
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store


@pytest.fixture
def events(store: Store, clock: ManualClock, queues: Queues) -> Iterator[tuple[Any, LocalEventBus]]:
    bus = LocalEventBus(store, clock, sinks={"queue": QueueSink(queues)})
    queues.create("q")
    for i in range(3):
        bus.put_rule(
            Rule(
                f"rule-{i}",
                json.dumps({"source": [f"s{i}"]}),
                (Target("t", "queue", "q"),),
                description=f"rule {i}",
            )
        )
    with BackgroundServer(events_app(bus)) as server:
        client = boto3.client(
            "events",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(retries={"max_attempts": 1}),
        )
        yield client, bus


def test_put_events_over_the_wire(events: tuple[Any, LocalEventBus], queues: Queues) -> None:
    client, bus = events
    response = client.put_events(
        Entries=[
            {
                "Source": "s1",
                "DetailType": "Thing",
                "Detail": '{"a": 1}',
                "EventBusName": "ordermesh",
            },
            {"Source": "s1", "DetailType": "Thing", "Detail": "nope", "EventBusName": "ordermesh"},
        ]
    )
    assert response["FailedEntryCount"] == 1
    assert "EventId" in response["Entries"][0]
    assert response["Entries"][1]["ErrorCode"] == "MalformedDetail"
    [message] = queues.receive("q")
    assert json.loads(message.body)["id"] == response["Entries"][0]["EventId"]
    assert bus.archive_count() == 1


def test_put_events_request_errors(events: tuple[Any, LocalEventBus]) -> None:
    client, _ = events
    entry = {"Source": "s", "DetailType": "d", "Detail": "{}", "EventBusName": "ordermesh"}
    with pytest.raises(ClientError) as error:
        client.put_events(Entries=[entry] * 11)
    assert error.value.response["Error"]["Code"] == "ValidationException"


def _event(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "1",
        "account": "000000000000",
        "source": "ordermesh.order",
        "time": "2026-01-01T00:00:00Z",
        "region": "us-east-1",
        "detail-type": "OrderPlaced",
        "resources": [],
        "detail": detail,
    }


def test_test_event_pattern(events: tuple[Any, LocalEventBus]) -> None:
    client, _ = events
    event = _event({"total": 300})
    pattern = {"detail": {"total": [{"numeric": [">=", 3.0e2]}]}}
    result = client.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))
    assert result["Result"] is True
    miss = {"detail": {"total": [{"numeric": [">", 300]}]}}
    assert (
        client.test_event_pattern(EventPattern=json.dumps(miss), Event=json.dumps(event))["Result"]
        is False
    )
    with pytest.raises(ClientError) as error:
        client.test_event_pattern(
            EventPattern='{"source": [{"prefx": "a"}]}', Event=json.dumps(event)
        )
    assert error.value.response["Error"]["Code"] == "InvalidEventPatternException"
    assert "prefx" in error.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as error:
        client.test_event_pattern(EventPattern='{"source": ["a"]}', Event='{"source": "a"}')
    assert "missing required fields" in error.value.response["Error"]["Message"]


def test_test_event_pattern_rejects_wildcards_that_are_too_complex(
    events: tuple[Any, LocalEventBus],
) -> None:
    client, _ = events
    event = _event({"bus": "arn:aws:events:us-east-1:111122223333:event-bus/orders"})
    simple = {"detail": {"bus": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}}
    result = client.test_event_pattern(EventPattern=json.dumps(simple), Event=json.dumps(event))
    assert result["Result"] is True
    complex_ = {"detail": {"bus": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}}
    with pytest.raises(ClientError) as error:
        client.test_event_pattern(EventPattern=json.dumps(complex_), Event=json.dumps(event))
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.value.response["Error"] == {
        "Code": "InvalidEventPatternException",
        "Message": "Event pattern is not valid. Reason: Rule is too complex - try using fewer "
        "wildcard characters or fewer repeating character sequences after a wildcard character",
    }


def test_list_and_describe_rules(events: tuple[Any, LocalEventBus]) -> None:
    client, _ = events
    first = client.list_rules(EventBusName="ordermesh", Limit=2)
    assert [r["Name"] for r in first["Rules"]] == ["rule-0", "rule-1"]
    rest = client.list_rules(EventBusName="ordermesh", Limit=2, NextToken=first["NextToken"])
    assert [r["Name"] for r in rest["Rules"]] == ["rule-2"]
    assert "NextToken" not in rest
    rule = client.describe_rule(Name="rule-1", EventBusName="ordermesh")
    assert rule["Arn"] == "arn:aws:events:us-east-1:000000000000:rule/ordermesh/rule-1"
    assert json.loads(rule["EventPattern"]) == {"source": ["s1"]}
    assert rule["State"] == "ENABLED"
    targets = client.list_targets_by_rule(Rule="rule-1", EventBusName="ordermesh")["Targets"]
    assert targets == [{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:000000000000:q"}]
    with pytest.raises(ClientError) as error:
        client.describe_rule(Name="nope", EventBusName="ordermesh")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def _disk_full(*_args: object) -> None:
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = sqlite3.SQLITE_FULL  # as SQLite's own error carries it
    raise error


def test_a_full_disk_is_aws_service_unavailable_not_an_internal_failure(
    events: tuple[Any, LocalEventBus], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a bus whose store cannot write: the disk is full
    client, bus = events
    monkeypatch.setattr(bus, "put_events", _disk_full)

    # When an event is put
    with pytest.raises(ClientError) as raised:
        client.put_events(Entries=[{"Source": "s0", "DetailType": "d", "Detail": "{}"}])

    # Then AWS's answer to a temporary failure of the server (its common error, which SDKs
    # retry): nothing was written, the caller may send it again
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert error["Error"]["Code"] == "ServiceUnavailable"
