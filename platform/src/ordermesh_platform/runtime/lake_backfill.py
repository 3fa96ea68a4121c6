"""Backfill: the lake rebuilt from the bus archive.

Archived events in a time range are delivered again to the delivery streams alone (through the
rules that target them, rendered as the flusher renders them), and to no other target, as
records put directly. An event whose id is already a row of one of its stream's Parquet objects,
or that the stream holds unwritten (after its checkpoint, in a batch not yet published, or put
directly), is left out, so a deleted object is rebuilt and nothing is written twice: run twice,
the tables hold the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq

from ordermesh_platform.lake.objects import PARQUET_EXTENSION
from ordermesh_platform.runtime.bus import LocalEventBus
from ordermesh_platform.runtime.delivery_streams import DeliveryStreams

PAGE = 500  # archived events read and delivered per transaction


def ids_in_objects(lake: Path, location: str) -> set[str]:
    """The ``id`` column of every Parquet object under ``location`` (a table's prefix)."""
    ids: set[str] = set()
    folder = lake / location
    if not folder.is_dir():
        return ids
    for path in sorted(folder.rglob(f"*{PARQUET_EXTENSION}")):
        ids.update(str(i) for i in pq.read_table(path, columns=["id"]).column("id").to_pylist())
    return ids


def backfill(
    bus: LocalEventBus, streams: DeliveryStreams, start: float, end: float
) -> dict[str, int]:
    """Buffer the archived events with ``start <= time < end`` that the lake lacks; how many per
    delivery stream. The flusher (or ``DeliveryStreams.flush``) writes them."""
    present = {
        name: ids_in_objects(streams.lake, streams.stream(name).location)
        | streams.buffered_ids(name)
        for name in streams.names()
    }
    delivered: dict[str, int] = {}
    for page in _archive_pages(bus, start, end):
        with bus.store.write() as conn:
            for text in page:
                event = json.loads(text)
                for route in bus.archive_targets(event):
                    name = route.target.name
                    if route.target.kind != "delivery-stream" or event["id"] in present[name]:
                        continue
                    streams.rebuffer(conn, name, event["id"], route.render(event, text))
                    present[name].add(event["id"])
                    delivered[name] = delivered.get(name, 0) + 1
    return delivered


def _archive_pages(bus: LocalEventBus, start: float, end: float) -> Iterator[list[str]]:
    """The archived events' JSON text in the range, oldest first, a page at a time."""
    last = 0
    while True:
        rows = (
            bus.store.connection()
            .execute(
                "SELECT seq, event FROM archive WHERE bus = ? AND time >= ? AND time < ? "
                "AND seq > ? ORDER BY seq LIMIT ?",
                (bus.name, start, end, last, PAGE),
            )
            .fetchall()
        )
        if not rows:
            return
        last = rows[-1]["seq"]
        yield [row["event"] for row in rows]
