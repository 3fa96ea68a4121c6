"""The order service's composition root: the only place that chooses adapters.

In AWS: the DynamoDB table named by ``ORDERS_TABLE``, EventBridge through boto3, the product
catalog packaged at ``CATALOG_PATH``. Inside the local runtime: the SQLite file in the runtime's
state folder, the runtime's bus through its in-process client, and the runtime's catalog. Built
once per environment (per cold start in AWS) and shared by the handler's invocations.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ordermesh_contracts import environment
from ordermesh_contracts.bus import Boto3EventBus
from ordermesh_contracts.publishing import Publisher
from pydantic import BaseModel

from order_service.adapters import sqlite
from order_service.adapters.ports import UnitOfWork
from order_service.adapters.system import FileCatalog, SystemClock, UlidIds
from order_service.service_layer.orders import Ports
from order_service.service_layer.relay import MarkPublished, OutboxRelay, Unpublished

SOURCE = "ordermesh.order"


class Settings(BaseModel):
    event_bus_name: str
    catalog_path: Path
    orders_table: str | None = None  # AWS
    database: Path | None = None  # local


def settings() -> Settings:
    local = environment.current()
    if local is not None:
        return Settings(
            event_bus_name=local.settings["EVENT_BUS_NAME"],
            catalog_path=Path(local.settings["CATALOG_PATH"]),
            database=local.database("order"),
        )
    return Settings(
        event_bus_name=os.environ["EVENT_BUS_NAME"],
        catalog_path=Path(os.environ.get("CATALOG_PATH", "catalog/products.json")),
        orders_table=os.environ["ORDERS_TABLE"],
    )


@dataclass(frozen=True)
class Container:
    unit_of_work: Callable[[], UnitOfWork]
    catalog: FileCatalog
    relay: OutboxRelay

    def ports(self) -> Ports:
        return Ports(self.unit_of_work(), self.catalog, SystemClock(), UlidIds())


def _storage(config: Settings) -> tuple[Callable[[], UnitOfWork], Unpublished, MarkPublished]:
    if config.database is not None:
        db = sqlite.SqliteDatabase(config.database)
        return (
            partial(sqlite.SqliteUnitOfWork, db),
            partial(sqlite.unpublished, db),
            partial(sqlite.mark_published, db),
        )
    from order_service.adapters import dynamodb

    table = dynamodb.DynamoDbDatabase(environment.aws_client("dynamodb"), str(config.orders_table))
    return (
        partial(dynamodb.DynamoDbUnitOfWork, table),
        partial(dynamodb.unpublished, table),
        partial(dynamodb.mark_published, table),
    )


def build(config: Settings) -> Container:
    unit_of_work, unpublished, mark_published = _storage(config)
    publisher = Publisher(
        source=SOURCE,
        event_bus_name=config.event_bus_name,
        bus=Boto3EventBus(environment.aws_client("events")),
    )
    relay = OutboxRelay(unpublished, mark_published, publisher, SystemClock().now)
    return Container(unit_of_work, FileCatalog(config.catalog_path), relay)


container = environment.per_environment(lambda: build(settings()))
