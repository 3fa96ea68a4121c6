"""Events written into the lake's layout as the delivery streams write them: Parquet objects with
each event version's Glue table schema, under
``events/event=<Name>/version=<N>/date=<YYYY-MM-DD>/``, named as Firehose names them
(``<stream>-1-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid>``), one or more per partition.

For data sets (tests, benchmarks); the runtime's delivery streams buffer and publish their own.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from ordermesh_contracts.catalog import EventKey
from ordermesh_contracts.lake import DATE_PARTITION, DeliveryStream

from ordermesh_platform.lake.tables import RowConverter


def write_events(
    lake_dir: Path,
    streams: Sequence[DeliveryStream],
    events: Iterable[Mapping[str, Any]],
    *,
    files_per_partition: int = 1,
) -> list[Path]:
    """Write ``events`` to their tables' partitions (the day of their ``time``); the objects
    written. An event no stream takes is a ValueError naming it."""
    by_key = {stream.event: stream for stream in streams}
    grouped: dict[tuple[EventKey, str], list[Mapping[str, Any]]] = defaultdict(list)
    for event in events:
        key = EventKey(
            event["source"], event["detail-type"], event["detail"]["metadata"]["eventVersion"]
        )
        if key not in by_key:
            raise ValueError(f"{key}: no delivery stream takes this event version")
        grouped[key, event["time"][:10]].append(event)
    converters = {key: RowConverter.of(stream.columns) for key, stream in by_key.items()}
    written = []
    for (key, day), batch in sorted(grouped.items()):
        stream, converter = by_key[key], converters[key]
        folder = lake_dir / stream.location / f"{DATE_PARTITION}={day}"
        folder.mkdir(parents=True, exist_ok=True)
        size = -(-len(batch) // files_per_partition)
        for start in range(0, len(batch), size):
            part = batch[start : start + size]
            stamp = part[0]["time"].replace("T", "-").replace(":", "-").removesuffix("Z")
            name = f"{stream.name}-1-{stamp}-{uuid.uuid4()}"
            table = converter.table([converter.row(event) for event in part])
            pq.write_table(table, folder / name, compression="snappy")
            written.append(folder / name)
    return written
