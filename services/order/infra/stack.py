"""The order service's stack: its manifest's rules, queues and functions, its HTTP API and its
table (the orders, their idempotency keys and the outbox)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from order_service.adapters.dynamodb import TABLE, TTL_ATTRIBUTE
from ordermesh_cdk.service import ServiceProps, ServiceStack, TableProps

HERE = Path(__file__).resolve().parents[1]


def order_stack(
    scope: Construct, construct_id: str, *, code: lambda_.Code, **kwargs: Any
) -> ServiceStack:
    props = ServiceProps.of_folder(
        HERE,
        code=code,
        tables=[TableProps("ORDERS_TABLE", TABLE, TTL_ATTRIBUTE)],
        # The product catalog ships inside the package (see app.py).
        environment={"CATALOG_PATH": "catalog/products.json"},
    )
    return ServiceStack(scope, construct_id, props=props, **kwargs)
