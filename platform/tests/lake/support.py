"""What the lake tests share: the catalog's delivery streams, events to put, what the lake holds."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.lake import DeliveryStream, delivery_streams
from ordermesh_contracts.manifest import Buffering, LakeSpec
from ordermesh_platform.runtime.bus import LocalEventBus, Rule, Target
from ordermesh_platform.runtime.delivery_streams import DeliveryStreams
from tests.corpus import PROJECT_ROOT

CATALOG = load_catalog().raise_for_problems()
ORDER_PLACED = "ordermesh-lake-order-placed-v2"
EXAMPLE = PROJECT_ROOT / "contracts/schemas/order/OrderPlaced/examples/v2/single-line.json"


def catalog_streams(size_mb: int = 1, interval_seconds: int = 5) -> list[DeliveryStream]:
    spec = LakeSpec(local_buffering=Buffering(size_mb=size_mb, interval_seconds=interval_seconds))
    return delivery_streams(CATALOG, spec)


def order_placed(number: int) -> dict[str, Any]:
    """The OrderPlaced v2 example with its own event id."""
    event: dict[str, Any] = copy.deepcopy(json.loads(EXAMPLE.read_text()))
    event["id"] = f"00000000-0000-4000-8000-{number:012d}"
    return event


def lake_rules() -> list[Rule]:
    """The lake's rules, one per event version, each to its delivery stream."""
    return [
        Rule(
            f"platform-{stream.rule}",
            json.dumps(stream.pattern),
            (Target("lake", "delivery-stream", stream.name),),
        )
        for stream in catalog_streams()
    ]


def put(bus: LocalEventBus, *events: dict[str, Any]) -> None:
    """Archive events in one transaction as the bus does when it accepts them, their ids kept:
    what the delivery streams read."""
    now = bus.clock.now()
    rows = [
        (
            bus.name,
            event["id"],
            datetime.fromisoformat(event["time"]).timestamp(),
            now,
            event["source"],
            event["detail-type"],
            json.dumps(event),
        )
        for event in events
    ]
    with bus.store.write() as conn:
        conn.executemany(
            "INSERT INTO archive (bus, id, time, received_at, source, detail_type, event) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def parquet_files(lake: Path) -> list[Path]:
    return sorted((lake / "events").rglob("*.parquet"))


def lake_ids(lake: Path) -> list[str]:
    """Every row's id over every Parquet object of the lake (repeats kept)."""
    return [
        str(i)
        for path in parquet_files(lake)
        for i in pq.read_table(path, columns=["id"]).column("id").to_pylist()
    ]


def restarted(streams: DeliveryStreams) -> DeliveryStreams:
    """The delivery streams of a new process on the same store, bus and lake."""
    again = DeliveryStreams(streams.store, streams.clock, streams.lake, streams.log.bus)
    for stream in catalog_streams():
        again.create(stream)
    return again


def flush_killed_before_publishing(
    streams: DeliveryStreams, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flush killed once its object is in place, before the batch is published."""

    def killed(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(streams.writer, "_published", killed)
    with pytest.raises(KeyboardInterrupt):
        streams.flush()
