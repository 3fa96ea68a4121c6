"""The KPI table's IAM actions cover what the DynamoDB adapter calls: given a scenario of order
sagas, delivered twice and out of order, counted into the DynamoDB store (moto) and read back
at every granularity, when each call the adapter makes is recorded, then the actions those calls
are authorised as are exactly the ones the stack grants (``infra.stack.KPI_TABLE_ACTIONS``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
from analytics_service.adapters.dynamodb import DynamoDbKpiStore, create_table
from analytics_service.domain.windows import Granularity, WindowSettings
from analytics_service.service_layer.count_events import count_events
from infra.stack import KPI_TABLE_ACTIONS
from tests.events import T0, disordered, scenario, stream_record

# Each item of a TransactWriteItems is authorised as its own action.
TRANSACT_ITEMS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _actions(operation: str, params: dict[str, Any]) -> set[str]:
    if operation == "TransactWriteItems":
        return {
            f"dynamodb:{TRANSACT_ITEMS[kind]}" for item in params["TransactItems"] for kind in item
        }
    return {f"dynamodb:{operation}"}


def test_every_call_of_the_adapter_is_an_action_the_stack_grants(aws: str) -> None:
    client = boto3.client("dynamodb", region_name=aws)
    create_table(client, "kpis")
    called: set[str] = set()

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        called.update(_actions(model.name, params))

    client.meta.events.register("provide-client-params.dynamodb.*", record)
    store = DynamoDbKpiStore(client, "kpis")
    events = disordered(scenario(40), seed=3, within=timedelta(seconds=30))
    records = [stream_record("shardId-000000000001", f"{i:020d}", e) for i, e in enumerate(events)]
    settings = WindowSettings(
        allowed_lateness=timedelta(minutes=2), idle_after=timedelta(minutes=1)
    )
    for start in range(0, len(records), 100):
        count_events(records[start : start + 100], store, settings, T0 + timedelta(hours=1))
    for granularity in Granularity:
        assert store.windows(granularity, T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert "dynamodb:DeleteItem" in called  # a saga's waiting end, once both are counted
    assert called == set(KPI_TABLE_ACTIONS)  # every call granted, and nothing more
