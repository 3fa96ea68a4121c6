"""The analytics service's composition root: the only place that chooses adapters.

In AWS: the DynamoDB table named by ``KPI_TABLE``. Inside the local runtime: the SQLite file in
the runtime's state folder. The allowed lateness and the idle time after which a shard no
longer holds windows open come from ``ALLOWED_LATENESS_SECONDS`` and ``IDLE_SHARD_SECONDS``
(the function's environment, or the runtime's settings), 120 and 60 by default.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ordermesh_contracts import environment
from pydantic import BaseModel

from analytics_service.adapters.ports import KpiStore
from analytics_service.domain.windows import WindowSettings

SOURCE = "ordermesh.analytics"


class Settings(BaseModel):
    allowed_lateness_seconds: float = 120.0
    idle_shard_seconds: float = 60.0
    kpi_table: str | None = None  # AWS
    database: Path | None = None  # local

    def windows(self) -> WindowSettings:
        return WindowSettings(
            allowed_lateness=timedelta(seconds=self.allowed_lateness_seconds),
            idle_after=timedelta(seconds=self.idle_shard_seconds),
        )


def _windowing(values: Mapping[str, str]) -> dict[str, str]:
    names = {"ALLOWED_LATENESS_SECONDS": "allowed_lateness_seconds"}
    names["IDLE_SHARD_SECONDS"] = "idle_shard_seconds"
    return {field: values[name] for name, field in names.items() if name in values}


def settings() -> Settings:
    local = environment.current()
    if local is not None:
        return Settings(database=local.database("analytics"), **_windowing(local.settings))  # type: ignore[arg-type]
    return Settings(kpi_table=os.environ["KPI_TABLE"], **_windowing(os.environ))  # type: ignore[arg-type]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Container:
    store: KpiStore
    settings: WindowSettings
    clock: Callable[[], datetime] = utc_now


def _store(config: Settings) -> KpiStore:
    if config.database is not None:
        from analytics_service.adapters.sqlite import SqliteKpiStore

        return SqliteKpiStore(config.database)
    from analytics_service.adapters.dynamodb import DynamoDbKpiStore

    return DynamoDbKpiStore(environment.aws_client("dynamodb"), str(config.kpi_table))


def build(config: Settings) -> Container:
    return Container(_store(config), config.windows())


container = environment.per_environment(lambda: build(settings()))
