"""Analytics consumer throughput: events through the stream consumer, windows and storage included.

The local runtime as ``ordermesh up`` opens it (``LocalRuntime.from_project`` on the project's
manifests, handlers' logs and metrics to files), in a fresh state folder: the platform's
``ordermesh-analytics`` stream, the analytics service's ``analytics-kpis`` event source mapping
with the manifest's batch size, batching window, bisect, retries and on-failure queue,
checkpointing in SQLite, and its handler counting into the one-minute windows and their rollups
in the service's SQLite KPI store as the bootstrap builds them. The consumer runs on the
runtime's delivery threads (``start()``: woken by the stream's channel, polling as its worker
polls), beside the runtime's other workers and its housekeeping.

The events are the lake generator's order sagas (``ordermesh_platform.lake.generate``: every
event of each order, a day of orders at the declared normal traffic's orders per minute,
``catalog/normal-traffic.json``, which the local anomaly models start from) in the order they
happen, put on the stream as the bus's
``analytics-feed`` rule puts them: the event's JSON as the bus writes it, through the runtime's
``StreamSink`` with the rule's target (partition key: the correlation id). The events of the
first minute warm the consumer up (imports, the handler's first invocation on each shard: what
a running system did long before; under the allowed lateness, so neither shard's first batch
makes the other's late). Then, the runtime stopped, the rest goes on the stream in one
transaction and the benchmark lets go of the generated events (a runtime does not hold a
million objects for its collections to walk); the time runs from the runtime's start, every
record available, until every shard's checkpoint has passed its last record. CPU is the
process's, every thread's, over the same span. ``run()`` measures in a fresh interpreter, as a
runtime's process, without what the other sections imported or left for its collections to walk.

The same run checks the counting: the KPI store's day windows hold exactly the orders placed,
confirmed and cancelled, payments declined, sagas finished, revenue per currency and events of
each type that were generated (the AnomalyDetected events the service publishes aside), no late
event, and the on-failure queue is empty.

``ORDERMESH_BENCH_CONSUMER_EVENTS`` sets how many events are timed (default 50,000).
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from analytics_service.adapters.sqlite import SqliteKpiStore
from analytics_service.domain.windows import Granularity, counters
from ordermesh_platform.lake.generate import generate_events
from ordermesh_platform.runtime.bus import Target
from ordermesh_platform.runtime.event_json import dumps
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.runtime.sinks import StreamSink
from ordermesh_platform.runtime.stream_consumer import StreamConsumer, StreamConsumerSettings
from ordermesh_platform.runtime.stream_shards import sequence_position

ROOT = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("ORDERMESH_BENCH_CONSUMER_EVENTS", "50000"))
WARM_UP = timedelta(minutes=1)  # of event time, under the allowed lateness (2 minutes)
TARGET_RATE = 10_000.0  # events per second
STREAM = "ordermesh-analytics"
CONSUMER = "analytics-kpis"
DEADLINE = 120.0  # seconds the consumer is given to catch up before the run fails
CHECK_EVERY = 0.005  # seconds between looks at the checkpoints


@dataclass(frozen=True)
class Measured:
    events: int
    seconds: float
    cpu_seconds: float
    invocations: int
    expected: dict[str, Any]
    counted: dict[str, Any]
    on_failure: int  # records of discarded batches in the on-failure queue
    settings: StreamConsumerSettings
    shards: int
    span: timedelta  # of event time, of the timed events

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def wrong(self) -> list[str]:
        """Where the KPI store disagrees with what was generated."""
        found = [
            f"{name}: {self.counted.get(name, 0)} counted, {value} generated"
            for name, value in self.expected.items()
            if self.counted.get(name, 0) != value
        ]
        found += [
            f"{name}: {value} counted, none generated"
            for name, value in self.counted.items()
            if name not in self.expected
        ]
        if self.on_failure:
            found.append(f"{self.on_failure} batch(es) in the on-failure queue")
        return found


def _occurred(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["detail"]["metadata"]["occurredAt"])


def _events(count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The warm-up's events and ``count`` more, of a day of order sagas (yesterday, UTC), in the
    order they happen."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    # as many orders a minute as the declared normal traffic, which the local models start from
    profile = json.loads((ROOT / "catalog" / "normal-traffic.json").read_text(encoding="utf-8"))
    orders = int(profile["ordersPerMinute"]) * 24 * 60
    generated = generate_events(seed=22, orders=orders, start=today - timedelta(days=1), days=1)
    events = sorted(generated, key=lambda e: e["detail"]["metadata"]["occurredAt"])
    warm = next(i for i, e in enumerate(events) if _occurred(e) >= _occurred(events[0]) + WARM_UP)
    return events[:warm], events[warm : warm + count]


def _feed(runtime: LocalRuntime) -> Target:
    """The target of the platform's rule that puts every event on the analytics stream."""
    for rule in runtime.bus.rules():
        for target in rule.targets:
            if target.kind == "stream" and target.name == STREAM:
                return target
    raise LookupError(f"no rule puts events on {STREAM}")


def _put(runtime: LocalRuntime, events: Sequence[dict[str, Any]]) -> None:
    """Put ``events`` on the stream in one transaction, as the bus's rule delivers them."""
    sink, target = StreamSink(runtime.streams), _feed(runtime)
    with runtime.store.write() as conn:
        for event in events:
            sink.deliver(conn, target, dumps(event, whole=True), event)


def _caught_up(runtime: LocalRuntime, consumer: StreamConsumer) -> bool:
    """Whether every shard's checkpoint has reached the shard's newest record."""
    for shard in consumer.shard_ids:
        latest = runtime.streams.latest_sequence(STREAM, shard)
        done = consumer.checkpoint(shard)
        if latest is None:
            continue
        if done is None or sequence_position(done) < sequence_position(latest):
            return False
    return True


def _drain(runtime: LocalRuntime, consumer: StreamConsumer) -> None:
    deadline = time.monotonic() + DEADLINE
    while not _caught_up(runtime, consumer):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{CONSUMER} did not catch up within {DEADLINE:g} s")
        time.sleep(CHECK_EVERY)


def _invocations(state: Path) -> int:
    """The handler's invocations so far: each writes one metrics record to its log."""
    log = state / "logs" / f"{CONSUMER}.log"
    return log.read_text(encoding="utf-8").count('"EventsCounted":[') if log.is_file() else 0


def _expected(events: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The counters the day windows should hold, by counter name."""
    types = Counter(e["detail-type"] for e in events)
    expected: dict[str, Any] = {
        counters.ORDERS_PLACED: types["OrderPlaced"],
        counters.ORDERS_CONFIRMED: types["OrderConfirmed"],
        counters.ORDERS_CANCELLED: types["OrderCancelled"],
        counters.PAYMENTS_DECLINED: types["PaymentDeclined"],
        counters.SAGAS_FINISHED: types["OrderSagaSucceeded"] + types["OrderSagaFailed"],
        counters.LATE_EVENTS: 0,
    }
    for event in events:
        version = event["detail"]["metadata"]["eventVersion"]
        name = counters.name(counters.EVENTS, type=f"{event['detail-type']}@{version}")
        expected[name] = expected.get(name, 0) + 1
        if event["detail-type"] == "OrderConfirmed":
            total = event["detail"]["data"]["total"]
            name = counters.name(counters.REVENUE, currency=total["currency"])
            expected[name] = expected.get(name, Decimal(0)) + Decimal(total["amount"])
    return expected


def _counted(
    database: Path, first: datetime, last: datetime, names: Sequence[str]
) -> dict[str, Any]:
    """The day windows' totals of the counters ``names``, and of every count of events by type."""
    store = SqliteKpiStore(database)
    try:
        days = store.windows(
            Granularity.DAY,
            first - timedelta(days=1),
            last + timedelta(days=1),
        )
    finally:
        store.close()
    total = counters.merged(w.counters for w in days)
    by_type = {  # the service's own AnomalyDetected are not what was generated
        name
        for name in total
        if counters.split(name)[0] == counters.EVENTS and "AnomalyDetected" not in name
    }
    return {name: total.get(name, 0) for name in sorted(set(names) | by_type)}


def measure(count: int = EVENTS) -> Measured:
    warm_up, timed = _events(count)
    expected = _expected([*warm_up, *timed])
    first, last = _occurred(warm_up[0]), _occurred(timed[-1])
    events, span = len(timed), last - _occurred(timed[0])
    with tempfile.TemporaryDirectory(prefix="ordermesh-bench-consumer-") as directory:
        state = Path(directory)
        runtime = LocalRuntime.from_project(
            ROOT, RuntimeOptions(state_dir=state, function_logs=True)
        )
        try:
            consumer = next(c for c in runtime.stream_consumers if c.settings.name == CONSUMER)
            runtime.start()
            _put(runtime, warm_up)
            _drain(runtime, consumer)
            runtime.stop()
            invoked = _invocations(state)
            _put(runtime, timed)
            del warm_up, timed  # a runtime's collections do not walk a million generated objects
            gc.collect()
            cpu, start = time.process_time(), time.perf_counter()
            runtime.start()  # on a stream holding every record
            _drain(runtime, consumer)  # until the checkpoints pass the last record
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            runtime.stop()
            return Measured(
                events=events,
                seconds=seconds,
                cpu_seconds=cpu,
                invocations=_invocations(state) - invoked,
                expected=expected,
                counted=_counted(state / "analytics.sqlite", first, last, list(expected)),
                on_failure=runtime.queues.depth(str(consumer.settings.on_failure)).visible,
                settings=consumer.settings,
                shards=len(consumer.shard_ids),
                span=span,
            )
        finally:
            runtime.close()


def run() -> tuple[str, bool]:
    """Measured in a fresh interpreter: a runtime's process, without the objects the other
    sections imported or left behind for its garbage collections to walk."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return _report(pool.apply(measure))


def _report(m: Measured) -> tuple[str, bool]:
    settings = m.settings
    rate_met = m.rate >= TARGET_RATE
    wrong = m.wrong
    per_minute = m.events / (m.span.total_seconds() / 60)
    lines = [
        "## Analytics consumer throughput",
        "",
        (
            f"The local runtime as `ordermesh up` opens it, on a fresh state folder: "
            f"{m.events:,} events of the lake generator's order sagas (a day of orders, "
            f"{per_minute:,.0f} events a minute of event time, in the order they happen) put on "
            f"the `{STREAM}` stream ({m.shards} shards) as the bus's "
            f"analytics-feed rule puts them, in one transaction; timed from the runtime's start "
            f"on that stream (in a fresh interpreter) until the `{CONSUMER}` mapping (batches "
            f"of up to {settings.batch_size}, a "
            f"{settings.maximum_batching_window:g} s batching window, bisect on error, "
            f"ReportBatchItemFailures) has checkpointed past the last record on every shard: "
            "the Kinesis events, the handler (parsing, the windows, their rollups and the SQLite "
            "KPI store) and the checkpoints, on the runtime's delivery threads."
        ),
        "",
        "| events | seconds | events/s | CPU per event | CPU use | invocations | events each |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        (
            f"| {m.events:,} | {m.seconds:.2f} | **{m.rate:,.0f}** | "
            f"{m.cpu_seconds / m.events * 1e6:.0f} µs | {m.cpu_seconds / m.seconds:.0%} | "
            f"{m.invocations:,} | {m.events / max(m.invocations, 1):,.0f} |"
        ),
        "",
        (
            "Counting checked in the same run: the KPI store's day windows hold exactly what was "
            "generated (orders placed, confirmed and cancelled, payments declined, sagas finished, "
            "revenue per currency, events of each type), no late event, nothing in the "
            "on-failure queue: "
            + ("**correct**." if not wrong else "**WRONG**: " + "; ".join(wrong) + ".")
        ),
        "",
        (
            f"Targets: at least {TARGET_RATE:,.0f} events/s through the consumer (**{m.rate:,.0f}, "
            f"{'met' if rate_met else 'NOT met'}**), every event counted once "
            f"(**{'met' if not wrong else 'NOT met'}**)."
        ),
    ]
    return "\n".join(lines), rate_met and not wrong


if __name__ == "__main__":
    text, _ = run()
    print(text)
