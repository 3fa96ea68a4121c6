"""Windowed KPIs: one-minute tumbling windows by event time, rolled up to five minutes, an hour
and a day, with a watermark per shard, allowed lateness and an event counted once."""

from .aggregator import Effect, Known, Processed, SagaState, process
from .cap import DEFAULT_MAX_VALUES, OTHER, Capped, Holding, capped
from .counters import Counters, Number
from .facts import Fact, SagaMark
from .kpis import WindowKpis
from .rollup import rolled_up
from .watermark import (
    OTHER_SHARDS,
    Held,
    ShardState,
    WindowSettings,
    became_final,
    final_watermark,
    sequence_key,
    unseen_shards,
)
from .window import Granularity, WindowKey

__all__ = [
    "DEFAULT_MAX_VALUES",
    "OTHER",
    "OTHER_SHARDS",
    "Capped",
    "Counters",
    "Effect",
    "Fact",
    "Granularity",
    "Held",
    "Holding",
    "Known",
    "Number",
    "Processed",
    "SagaMark",
    "SagaState",
    "ShardState",
    "WindowKey",
    "WindowKpis",
    "WindowSettings",
    "became_final",
    "capped",
    "final_watermark",
    "process",
    "rolled_up",
    "sequence_key",
    "unseen_shards",
]
