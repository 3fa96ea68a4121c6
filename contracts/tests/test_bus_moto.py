"""The boto3 EventBridge adapter against moto: entries reach a rule's SQS target intact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from ordermesh_contracts.bus import Boto3EventBus, TransientBusError
from ordermesh_contracts.models.inventory import stock_level_low_v1
from ordermesh_contracts.publishing import Outgoing, Publisher

REGION = "eu-west-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        events = boto3.client("events", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        events.create_event_bus(Name="ordermesh")
        queue_url = sqs.create_queue(QueueName="stock")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        pattern = {"source": ["ordermesh.inventory"], "detail": {"metadata": {"eventVersion": [1]}}}
        events.put_rule(
            Name="stock-low", EventBusName="ordermesh", EventPattern=json.dumps(pattern)
        )
        events.put_targets(
            Rule="stock-low", EventBusName="ordermesh", Targets=[{"Id": "q", "Arn": queue_arn}]
        )
        yield {"events": events, "sqs": sqs, "queue_url": queue_url}


def test_published_events_arrive_as_eventbridge_events_with_our_detail(aws: dict[str, Any]) -> None:
    publisher = Publisher(
        source="ordermesh.inventory", event_bus_name="ordermesh", bus=Boto3EventBus(aws["events"])
    )
    data = stock_level_low_v1.StockLevelLow(
        sku="MUG-BLUE-350", available=2, threshold=5, warehouse="lis-1"
    )
    outgoing = [
        Outgoing(data=data, correlation_id=f"ord_{i:08d}", causation_id="req") for i in range(12)
    ]
    published = publisher.publish(*outgoing)
    assert len(published) == 12
    assert all(p.bus_event_id for p in published)
    received = []
    while (
        batch := aws["sqs"]
        .receive_message(QueueUrl=aws["queue_url"], MaxNumberOfMessages=10)
        .get("Messages")
    ):
        received += [json.loads(m["Body"]) for m in batch]
        for m in batch:
            aws["sqs"].delete_message(QueueUrl=aws["queue_url"], ReceiptHandle=m["ReceiptHandle"])
    assert sorted(e["detail"]["metadata"]["correlationId"] for e in received) == [
        f"ord_{i:08d}" for i in range(12)
    ]
    assert {(e["source"], e["detail-type"]) for e in received} == {
        ("ordermesh.inventory", "StockLevelLow")
    }


def test_throttling_of_the_whole_call_becomes_a_transient_error() -> None:
    from botocore.exceptions import ClientError

    class Throttled:
        def put_events(self, **_: Any) -> Any:
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutEvents"
            )

    with pytest.raises(TransientBusError, match="slow down"):
        Boto3EventBus(Throttled()).put_events([])


def test_other_client_errors_propagate() -> None:
    from botocore.exceptions import ClientError

    class Denied:
        def put_events(self, **_: Any) -> Any:
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutEvents"
            )

    with pytest.raises(ClientError):
        Boto3EventBus(Denied()).put_events([])
