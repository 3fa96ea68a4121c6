"""A DynamoDB table built from the layout its adapter creates it with (CreateTable's arguments),
so the deployed table and the one the adapter's tests run against cannot drift apart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}


def _keys(
    schema: list[Mapping[str, str]], types: Mapping[str, str]
) -> tuple[dynamodb.Attribute, dynamodb.Attribute | None]:
    by_role = {k["KeyType"]: k["AttributeName"] for k in schema}

    def attribute(name: str) -> dynamodb.Attribute:
        return dynamodb.Attribute(name=name, type=_TYPES[types[name]])

    sort = by_role.get("RANGE")
    return attribute(by_role["HASH"]), attribute(sort) if sort else None


def table_from_layout(
    scope: Construct,
    construct_id: str,
    layout: Mapping[str, Any],
    *,
    time_to_live_attribute: str | None = None,
) -> dynamodb.TableV2:
    """An on-demand table with point-in-time recovery, deletion protection, encryption with the
    account's AWS managed key (``aws/dynamodb``, whose every use CloudTrail records) and the keys
    and indexes of ``layout``; it is kept (not deleted) when its stack is."""
    if layout.get("BillingMode", "PAY_PER_REQUEST") != "PAY_PER_REQUEST":
        raise ValueError("only on-demand (PAY_PER_REQUEST) tables are deployed")
    types = {a["AttributeName"]: a["AttributeType"] for a in layout["AttributeDefinitions"]}
    partition, sort = _keys(layout["KeySchema"], types)
    indexes = []
    for index in layout.get("GlobalSecondaryIndexes", []):
        index_partition, index_sort = _keys(index["KeySchema"], types)
        projection = index.get("Projection", {"ProjectionType": "ALL"})
        indexes.append(
            dynamodb.GlobalSecondaryIndexPropsV2(
                index_name=index["IndexName"],
                partition_key=index_partition,
                sort_key=index_sort,
                projection_type=_PROJECTIONS[projection["ProjectionType"]],
                non_key_attributes=projection.get("NonKeyAttributes"),
            )
        )
    return dynamodb.TableV2(
        scope,
        construct_id,
        partition_key=partition,
        sort_key=sort,
        global_secondary_indexes=indexes or None,
        billing=dynamodb.Billing.on_demand(),
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        deletion_protection=True,
        encryption=dynamodb.TableEncryptionV2.aws_managed_key(),
        time_to_live_attribute=time_to_live_attribute,
        removal_policy=RemovalPolicy.RETAIN,
    )
