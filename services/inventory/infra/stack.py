"""The inventory service's stack: its manifest's rules, queues and functions, its HTTP API, its
table (stock and reservations) and the idempotency table its command handler records in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from inventory_service.adapters.dynamodb import TABLE
from ordermesh_cdk.service import IDEMPOTENCY_TABLE, ServiceProps, ServiceStack, TableProps

HERE = Path(__file__).resolve().parents[1]


def inventory_stack(
    scope: Construct, construct_id: str, *, code: lambda_.Code, **kwargs: Any
) -> ServiceStack:
    props = ServiceProps.of_folder(
        HERE,
        code=code,
        tables=[TableProps("INVENTORY_TABLE", TABLE), IDEMPOTENCY_TABLE],
    )
    return ServiceStack(scope, construct_id, props=props, **kwargs)
