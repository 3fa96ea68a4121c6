"""The analytics service's stack: its manifest's stream consumer on the platform's analytics
stream (and whatever else the manifest declares: its HTTP API, rules, topics), and the KPI table
its DynamoDB adapter counts into, with the windowing settings its bootstrap reads (lateness, idle
shards, the cap on a dimension's values per window)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analytics_service.adapters.dynamodb import TABLE, TTL_ATTRIBUTE
from analytics_service.bootstrap import Settings
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from ordermesh_cdk.app import DEFAULT_BUS_NAME
from ordermesh_cdk.service import TABLE_ACTIONS, ServiceProps, ServiceStack, TableProps

HERE = Path(__file__).resolve().parents[1]

# What the DynamoDB adapter calls: TransactWriteItems (each item's Put, Update or Delete is
# authorised as PutItem, UpdateItem or DeleteItem), BatchGetItem, GetItem, UpdateItem, Query;
# never a batch write, a condition check item or DescribeTable.
NOT_CALLED = {"dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"}
KPI_TABLE_ACTIONS = tuple(a for a in TABLE_ACTIONS if a not in NOT_CALLED)
KPI_TABLE = TableProps("KPI_TABLE", TABLE, TTL_ATTRIBUTE, actions=KPI_TABLE_ACTIONS)


def windowing_environment(settings: Settings | None = None) -> dict[str, str]:
    """The bootstrap's windowing settings as the function's environment (its defaults unless
    given), so that a deployed consumer says what lateness it runs with."""
    settings = settings or Settings(event_bus_name=DEFAULT_BUS_NAME)  # windowing defaults
    return {
        "ALLOWED_LATENESS_SECONDS": f"{settings.allowed_lateness_seconds:g}",
        "IDLE_SHARD_SECONDS": f"{settings.idle_shard_seconds:g}",
        "HELD_SHARD_SECONDS": f"{settings.held_shard_seconds:g}",
        "MAX_DIMENSION_VALUES": str(settings.max_dimension_values),
    }


def analytics_stack(
    scope: Construct, construct_id: str, *, code: lambda_.Code, **kwargs: Any
) -> ServiceStack:
    props = ServiceProps.of_folder(
        HERE, code=code, tables=[KPI_TABLE], environment=windowing_environment()
    )
    return ServiceStack(scope, construct_id, props=props, **kwargs)
