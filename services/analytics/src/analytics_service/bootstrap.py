"""The analytics service's composition root: the only place that chooses adapters.

In AWS: the DynamoDB table named by ``KPI_TABLE`` and EventBridge through boto3. Inside the
local runtime: the SQLite file in the runtime's state folder and the runtime's bus. Anomalies
are published on the bus ``EVENT_BUS_NAME``. The allowed lateness and the idle time after which
a shard no longer holds windows open come from ``ALLOWED_LATENESS_SECONDS`` and
``IDLE_SHARD_SECONDS`` (the function's environment, or the runtime's settings), 120 and 60 by
default, and ``HELD_SHARD_SECONDS`` (300), how long after its last delivery a shard whose batch
keeps failing holds them; the cap on a dimension's distinct values per window from
``MAX_DIMENSION_VALUES`` (100; at most 150, which keeps a DynamoDB window item under 400 KB);
``STREAM_SHARDS``, the stream's shard count (shards ``shardId-000000000000`` on), makes a shard
not seen yet hold the final watermark (unset in AWS, where the stream is on-demand and its
shards change: the first batch then holds it for every shard not seen yet);
``ANOMALY_PRIOR_PATH``, when set, names the normal traffic profile the anomaly models start from
instead of warming up for a day on the stream (the local runtime's demo sets it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ordermesh_contracts import environment
from ordermesh_contracts.bus import Boto3EventBus
from ordermesh_contracts.publishing import Publisher
from pydantic import BaseModel, Field

from analytics_service.adapters.dynamodb_windows import MAX_VALUES_ALLOWED
from analytics_service.adapters.ports import KpiStore
from analytics_service.domain.anomaly import AnomalyDetector
from analytics_service.domain.windows import DEFAULT_MAX_VALUES, WindowSettings
from analytics_service.scenarios.prior import TrafficProfile, warmed
from analytics_service.service_layer.consume_batch import Ports
from analytics_service.service_layer.score_windows import Prior

SOURCE = "ordermesh.analytics"


class Settings(BaseModel):
    event_bus_name: str
    anomaly_prior_path: Path | None = None
    allowed_lateness_seconds: float = 120.0
    idle_shard_seconds: float = 60.0
    held_shard_seconds: float = 300.0
    stream_shards: int = 0  # 0: not known, a shard not seen yet does not hold windows open
    max_dimension_values: int = Field(DEFAULT_MAX_VALUES, ge=1, le=MAX_VALUES_ALLOWED)
    kpi_table: str | None = None  # AWS
    database: Path | None = None  # local

    def windows(self) -> WindowSettings:
        return WindowSettings(
            allowed_lateness=timedelta(seconds=self.allowed_lateness_seconds),
            idle_after=timedelta(seconds=self.idle_shard_seconds),
            held_for=timedelta(seconds=self.held_shard_seconds),
            shards=tuple(f"shardId-{i:012d}" for i in range(self.stream_shards)),
        )


def _optional(values: Mapping[str, str]) -> dict[str, str]:
    names = {"ALLOWED_LATENESS_SECONDS": "allowed_lateness_seconds"}
    names["IDLE_SHARD_SECONDS"] = "idle_shard_seconds"
    names["HELD_SHARD_SECONDS"] = "held_shard_seconds"
    names["ANOMALY_PRIOR_PATH"] = "anomaly_prior_path"
    names["STREAM_SHARDS"] = "stream_shards"
    names["MAX_DIMENSION_VALUES"] = "max_dimension_values"
    return {field: values[name] for name, field in names.items() if name in values}


def settings() -> Settings:
    local = environment.current()
    if local is not None:
        return Settings(
            event_bus_name=local.settings["EVENT_BUS_NAME"],
            database=local.database("analytics"),
            **_optional(local.settings),  # type: ignore[arg-type]
        )
    return Settings(
        event_bus_name=os.environ["EVENT_BUS_NAME"],
        kpi_table=os.environ["KPI_TABLE"],
        **_optional(os.environ),  # type: ignore[arg-type]
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Container:
    store: KpiStore
    settings: WindowSettings
    publisher: Publisher
    prior: Prior | None = None
    clock: Callable[[], datetime] = utc_now

    def ports(self) -> Ports:
        return Ports(self.store, self.settings, self.publisher, self.clock, self.prior)


def _store(config: Settings) -> KpiStore:
    if config.database is not None:
        from analytics_service.adapters.sqlite import SqliteKpiStore

        return SqliteKpiStore(config.database, max_values=config.max_dimension_values)
    from analytics_service.adapters.dynamodb import DynamoDbKpiStore

    client = environment.aws_client("dynamodb")
    return DynamoDbKpiStore(client, str(config.kpi_table), max_values=config.max_dimension_values)


def _prior(path: Path | None) -> Prior | None:
    if path is None:
        return None
    profile = TrafficProfile.read(path)

    def prior(until: datetime) -> AnomalyDetector:
        return warmed(profile, until)

    return prior


def build(config: Settings) -> Container:
    publisher = Publisher(
        source=SOURCE,
        event_bus_name=config.event_bus_name,
        bus=Boto3EventBus(environment.aws_client("events")),
    )
    return Container(_store(config), config.windows(), publisher, _prior(config.anomaly_prior_path))


container = environment.per_environment(lambda: build(settings()))
