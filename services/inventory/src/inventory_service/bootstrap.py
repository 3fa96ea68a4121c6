"""The inventory service's composition root: the only place that chooses adapters.

In AWS: the DynamoDB tables named by ``INVENTORY_TABLE`` and ``IDEMPOTENCY_TABLE`` (commands
handled once per event) and EventBridge through boto3. Inside the local runtime: the SQLite file
in the runtime's state folder (idempotency records in a table of it) and the runtime's bus through
its in-process client. Built once per environment and shared by the handler's invocations.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from ordermesh_contracts import environment
from ordermesh_contracts.bus import Boto3EventBus
from ordermesh_contracts.idempotency import SqlitePersistenceLayer
from ordermesh_contracts.publishing import Publisher
from pydantic import BaseModel

from inventory_service.adapters.clock import SystemClock
from inventory_service.adapters.ports import Clock, UnitOfWork
from inventory_service.adapters.sqlite import SqliteInventoryStore

SOURCE = "ordermesh.inventory"


class Settings(BaseModel):
    event_bus_name: str
    inventory_table: str | None = None  # AWS
    idempotency_table: str | None = None  # AWS
    database: Path | None = None  # local


def settings() -> Settings:
    local = environment.current()
    if local is not None:
        return Settings(
            event_bus_name=local.settings["EVENT_BUS_NAME"], database=local.database("inventory")
        )
    return Settings(
        event_bus_name=os.environ["EVENT_BUS_NAME"],
        inventory_table=os.environ["INVENTORY_TABLE"],
        idempotency_table=os.environ["IDEMPOTENCY_TABLE"],
    )


@dataclass(frozen=True)
class Container:
    unit_of_work: Callable[[], UnitOfWork]
    publisher: Publisher
    clock: Clock
    idempotency: BasePersistenceLayer


def build(config: Settings) -> Container:
    idempotency: BasePersistenceLayer
    if config.database is not None:
        unit_of_work: Callable[[], UnitOfWork] = SqliteInventoryStore(config.database).unit_of_work
        idempotency = SqlitePersistenceLayer(config.database)
    else:
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        from inventory_service.adapters.dynamodb import DynamoDbInventoryStore

        client = environment.aws_client("dynamodb")
        unit_of_work = DynamoDbInventoryStore(client, str(config.inventory_table)).unit_of_work
        idempotency = DynamoDBPersistenceLayer(str(config.idempotency_table), boto3_client=client)
    publisher = Publisher(
        source=SOURCE,
        event_bus_name=config.event_bus_name,
        bus=Boto3EventBus(environment.aws_client("events")),
    )
    return Container(unit_of_work, publisher, SystemClock(), idempotency)


container = environment.per_environment(lambda: build(settings()))
