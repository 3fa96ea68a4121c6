"""What the lake tests share: the catalog's delivery streams, events to put, what the lake holds."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.lake import DeliveryStream, delivery_streams
from ordermesh_contracts.manifest import Buffering, LakeSpec
from ordermesh_platform.runtime.delivery_streams import DeliveryStreams
from ordermesh_platform.shared.store import Store
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


def put(streams: DeliveryStreams, store: Store, *events: dict[str, Any]) -> None:
    """Deliver events to the OrderPlaced v2 stream as the bus's sink does, in one transaction."""
    with store.write() as conn:
        for event in events:
            streams.buffer(conn, ORDER_PLACED, event["id"], json.dumps(event))


def parquet_files(lake: Path) -> list[Path]:
    return sorted((lake / "events").rglob("*.parquet"))


def lake_ids(lake: Path) -> list[str]:
    """Every row's id over every Parquet object of the lake (repeats kept)."""
    return [
        str(i)
        for path in parquet_files(lake)
        for i in pq.read_table(path, columns=["id"]).column("id").to_pylist()
    ]
