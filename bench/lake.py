"""The data lake: events from PutEvents to durable Parquet objects, and the named queries over a
million of them.

Ours: the bus in process on the durable SQLite store with contract validation on and the lake's
rules (one per event version, from the platform manifest's ``[lake]``), its delivery streams
with their local settings, and the flusher's round run between PutEvents calls as the runtime's
flusher thread runs it, on the one core the interpreter lock allows. The events are the
generator's order sagas (``ordermesh_platform.lake.generate``: every event of each order, in the
mix of event versions an order makes), put 10 per call with their own times.

The limit: pyarrow alone writing the same events (their JSON text, in memory, grouped by table)
to Parquet files with the same schemas: Arrow's JSON reader and the Parquet writer, nothing else.

``ORDERMESH_BENCH_LAKE_EVENTS`` sets how many events (default 1,000,000) for a quicker look.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq
from bus import ROOT, _lake_rules
from ordermesh_contracts.catalog import EventKey
from ordermesh_contracts.validation import default_validator
from ordermesh_platform.lake.generate import generate_events
from ordermesh_platform.lake.project import LocalLake
from ordermesh_platform.lake.sql import run_named
from ordermesh_platform.lake.tables import RowConverter
from ordermesh_platform.runtime.bus import LocalEventBus
from ordermesh_platform.runtime.delivery_streams import DeliveryStreams
from ordermesh_platform.shared.clock import SystemClock
from ordermesh_platform.shared.store import Store

EVENTS = int(os.environ.get("ORDERMESH_BENCH_LAKE_EVENTS", "1000000"))
EVENTS_PER_ORDER = 7.2  # about, in the generator's mix
LIMIT_SAMPLE = 200_000  # events the limit is timed on (its rate does not depend on the count)
FLUSH_EVERY = 50  # PutEvents calls between flusher rounds
TARGET_RATE = 20_000.0
TARGET_OF_LIMIT = 0.5
QUERY_TARGET_SECONDS = 1.0
QUERY_RUNS = 5
DAYS = 7


def _events() -> Iterator[dict[str, Any]]:
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    orders = int(EVENTS / EVENTS_PER_ORDER) + 1
    generated = generate_events(
        seed=21, orders=orders, start=start - timedelta(days=DAYS - 1), days=DAYS
    )
    for count, event in enumerate(generated):
        if count >= EVENTS:
            return
        yield event


def _entry(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(event["detail"], separators=(",", ":")),
        "Resources": event["resources"],
        "Time": event["time"],
        "EventBusName": "ordermesh",
    }


def _ours(directory: Path) -> tuple[int, float, float, Path]:
    """Events put and written, wall seconds, CPU seconds, the lake folder."""
    clock = SystemClock()
    store = Store(directory / "runtime.sqlite3")
    lake = directory / "lake"
    bus = LocalEventBus(
        store, clock, validator=default_validator(), archive_fed=frozenset({"delivery-stream"})
    )
    streams = DeliveryStreams(store, clock, lake, bus)
    _lake_rules(bus, streams)
    entries = [_entry(event) for event in _events()]
    started, cpu = time.perf_counter(), time.process_time()
    for call, first in enumerate(range(0, len(entries), 10)):
        result = bus.put_events(entries[first : first + 10])
        if result.failed_entry_count:
            raise RuntimeError(f"PutEvents refused entries: {result.to_aws()}")
        if call % FLUSH_EVERY == FLUSH_EVERY - 1:
            streams.run_due()
    streams.flush()  # what is left in the buffers, now rather than after the interval
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    written = sum(s.records_delivered for s in streams.status())
    if written != len(entries):
        raise RuntimeError(f"{len(entries)} events put, {written} in the lake's objects")
    store.close()
    return len(entries), wall, cpu, lake


def _limit(directory: Path) -> float:
    """Seconds per event for pyarrow alone: JSON text in memory to Parquet files, by table."""
    lake = LocalLake.of_project(ROOT, lake_dir=directory)
    by_key = {stream.event: stream for stream in lake.streams}
    lines: dict[EventKey, list[bytes]] = defaultdict(list)
    count = 0
    for count, event in enumerate(_events(), start=1):
        key = EventKey(
            event["source"], event["detail-type"], event["detail"]["metadata"]["eventVersion"]
        )
        lines[key].append(json.dumps(event, separators=(",", ":")).encode())
        if count >= LIMIT_SAMPLE:
            break
    payloads = {key: b"\n".join(text) for key, text in lines.items()}
    directory.mkdir(parents=True, exist_ok=True)
    schemas = {key: RowConverter.of(by_key[key].columns) for key in payloads}
    started = time.perf_counter()
    for index, (key, data) in enumerate(payloads.items()):
        converter = schemas[key]
        table = pa_json.read_json(
            pa.BufferReader(data),
            read_options=pa_json.ReadOptions(block_size=1 << 24),
            parse_options=pa_json.ParseOptions(
                explicit_schema=converter.json_schema,  # the schema our reader uses
                unexpected_field_behavior="ignore",
            ),
        )
        pq.write_table(table, directory / f"{index}.parquet", compression="snappy")
    return (time.perf_counter() - started) / count


def _queries(lake_dir: Path) -> list[tuple[str, float, int]]:
    """Each named query: median seconds over runs, rows."""
    lake = LocalLake.of_project(ROOT, lake_dir=lake_dir)
    results = []
    with lake.open() as catalog:
        for name, query in sorted(lake.queries().items()):
            times, rows = [], 0
            for _ in range(QUERY_RUNS):
                started = time.perf_counter()
                rows = run_named(catalog, query).num_rows
                times.append(time.perf_counter() - started)
            results.append((name, statistics.median(times), rows))
    return results


def run() -> tuple[str, bool]:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        limit = _limit(folder / "limit")
        count, wall, cpu, lake = _ours(folder / "ours")
        on_disk = sum(p.stat().st_size for p in (lake / "events").rglob("*") if p.is_file())
        objects = sum(1 for p in (lake / "events").rglob("*.parquet"))
        queries = _queries(lake)
    return _report(
        count=count,
        wall=wall,
        cpu=cpu,
        limit=limit,
        on_disk=on_disk,
        objects=objects,
        queries=queries,
    )


def _report(  # noqa: PLR0913 - one report of one run's figures
    *,
    count: int,
    wall: float,
    cpu: float,
    limit: float,
    on_disk: int,
    objects: int,
    queries: list[tuple[str, float, int]],
) -> tuple[str, bool]:
    rate, limit_rate = count / wall, 1 / limit
    of_limit = rate / limit_rate
    ingest_met = rate >= TARGET_RATE and of_limit >= TARGET_OF_LIMIT
    slowest = max(seconds for _, seconds, _ in queries)
    queries_met = slowest < QUERY_TARGET_SECONDS
    per_million = on_disk / count * 1_000_000
    lines = [
        "## Data lake",
        "",
        (
            f"(a) Ingestion: {count:,} generated events (every event of each order saga, 7 days "
            "of orders) put 10 per PutEvents call on a bus in process (SQLite on disk, WAL, "
            "synchronous=NORMAL), contract validation on, the lake's rules (one per event "
            "version, from the platform manifest) to their delivery streams with their local "
            f"settings (objects at 1 MB or 5 s), the flusher's round every {FLUSH_EVERY} calls "
            "and a final flush; timed from the first PutEvents to the last object published. "
            f"The limit: pyarrow alone, {min(count, LIMIT_SAMPLE):,} of the same events as "
            "JSON text in memory to Parquet files (Arrow's JSON reader, the same schemas, "
            "Snappy), in the same run."
        ),
        "",
        "| path | events | per event | events/s | of the limit |",
        "| --- | ---: | ---: | ---: | ---: |",
        (
            f"| pyarrow alone: JSON in memory -> Parquet (limit) | {min(count, LIMIT_SAMPLE):,} "
            f"| {limit * 1e6:,.1f} µs | {limit_rate:,.0f} | 1.00 |"
        ),
        (
            f"| ours: PutEvents -> rules -> delivery streams -> Parquet objects | {count:,} "
            f"| {wall / count * 1e6:,.1f} µs | {rate:,.0f} | {of_limit:.2f} |"
        ),
        "",
        (
            f"CPU of ours: {cpu / count * 1e6:,.1f} µs per event. On disk: {objects:,} Parquet "
            f"objects, {on_disk / 1e6:,.1f} MB, {per_million / 1e6:,.1f} MB per million events."
        ),
        "",
        (
            "(b) The named queries over those events (the lake written by (a)), on the local "
            f"catalog (DuckDB over the Parquet objects), each with its default parameters; "
            f"median of {QUERY_RUNS} runs."
        ),
        "",
        "| named query | median | rows |",
        "| --- | ---: | ---: |",
        *(f"| {name} | {seconds * 1000:,.0f} ms | {rows:,} |" for name, seconds, rows in queries),
        "",
        (
            f"Targets: ingestion at least {TARGET_RATE:,.0f} events/s and at least "
            f"{TARGET_OF_LIMIT:.0%} of the limit: **{rate:,.0f} events/s, {of_limit:.2f} of "
            f"{limit_rate:,.0f}, {'met' if ingest_met else 'NOT met'}**; each named query "
            f"under {QUERY_TARGET_SECONDS:.0f} s: **slowest {slowest * 1000:,.0f} ms, "
            f"{'met' if queries_met else 'NOT met'}**."
        ),
    ]
    return "\n".join(lines), ingest_met and queries_met


if __name__ == "__main__":
    text, _ = run()
    print(text)
