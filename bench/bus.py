"""Bus throughput: PutEvents -> rule -> queue -> consumer that acknowledges.

Ours runs in process on the durable SQLite store (WAL, on disk) with contract validation on, the
real rule index, the SQS queue and the event source mapping calling a function with the exact SQS
batch event. The peer is moto's server on loopback: boto3 ``put_events`` to a bus whose rule
targets an SQS queue, then ``receive_message`` / ``delete_message_batch`` until every event came
back.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from harness import Timing, compare, table_rows
from moto.server import ThreadedMotoServer
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.lake import delivery_streams
from ordermesh_contracts.manifest import load_manifest
from ordermesh_contracts.validation import default_validator
from ordermesh_platform.runtime.bus import LocalEventBus, Rule, Target, entry_from_event
from ordermesh_platform.runtime.delivery_streams import DeliveryStreams
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.queue_consumer import QueueConsumer, QueueConsumerSettings
from ordermesh_platform.runtime.queues import Queues, QueueSettings
from ordermesh_platform.runtime.sinks import QueueSink
from ordermesh_platform.shared.clock import SystemClock
from ordermesh_platform.shared.store import Store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "contracts/schemas/order/OrderPlaced/examples/v2/two-lines.json"
TARGET_RATE = 2_000.0
TARGET_RATIO = 50.0
LAKE_COST_LIMIT = 0.15  # the lake's rules may make the bus at most 15% slower
OURS_BATCH = 200  # events per timed round
MOTO_BATCH = 20
PATTERN = json.dumps({"source": ["ordermesh.order"], "detail-type": ["OrderPlaced"]})


def _entries(n: int) -> list[dict[str, Any]]:
    return [entry_from_event(json.loads(EXAMPLE.read_text(encoding="utf-8")))] * n


def _ours(directory: Path, *, lake: bool = False) -> Callable[[], int]:
    """Our round trip; ``lake``: with the data lake's rules and delivery streams on the bus (as
    the platform manifest declares them, local buffering), their flusher run every round."""
    clock = SystemClock()
    store = Store(directory / "runtime.sqlite3")
    queues = Queues(store, clock)
    functions = Functions(store, clock, queues)
    queues.create("orders", QueueSettings(max_receive_count=5, dead_letter_queue="orders-dlq"))
    bus = LocalEventBus(
        store,
        clock,
        sinks={"queue": QueueSink(queues)},
        validator=default_validator(),
        archive_fed=frozenset({"delivery-stream"}),
    )
    streams = DeliveryStreams(store, clock, directory / "lake", bus)
    if lake:
        _lake_rules(bus, streams)
    for i in range(20):  # other services' rules, as on the real bus
        bus.put_rule(
            Rule(
                f"other-{i}",
                json.dumps({"source": [f"ordermesh.s{i}"]}),
                (Target("t", "queue", "orders"),),
            )
        )
    bus.put_rule(Rule("orders", PATTERN, (Target("t", "queue", "orders"),)))
    acknowledged: list[int] = []

    def consume(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        acknowledged.append(len(event["Records"]))
        return {"batchItemFailures": []}

    functions.register("consumer", FunctionSettings(handler="bench:consume"), consume)
    consumer = QueueConsumer(
        QueueConsumerSettings("orders", "consumer", batch_size=10), queues, functions
    )
    entries = _entries(OURS_BATCH)

    def round_trip() -> int:
        acknowledged.clear()
        for start in range(0, OURS_BATCH, 10):
            result = bus.put_events(entries[start : start + 10])
            assert result.failed_entry_count == 0
        while sum(acknowledged) < OURS_BATCH:
            consumer.poll_once()
        assert sum(acknowledged) == OURS_BATCH
        if lake:
            streams.run_due()
        return OURS_BATCH

    return round_trip


def _lake_rules(bus: LocalEventBus, streams: DeliveryStreams) -> None:
    """The lake's rules, one per event version, each to its delivery stream."""
    spec = load_manifest(ROOT / "platform" / "platform.toml").lake
    assert spec is not None
    for stream in delivery_streams(load_catalog().raise_for_problems(), spec):
        streams.create(stream)
        target = Target("lake", "delivery-stream", stream.name)
        bus.put_rule(Rule(f"platform-{stream.rule}", json.dumps(stream.pattern), (target,)))


def _moto() -> tuple[Callable[[], int], ThreadedMotoServer]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request log lines
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    options: dict[str, Any] = {
        "endpoint_url": f"http://{host}:{port}",
        "region_name": "us-east-1",
        "aws_access_key_id": "bench",
        "aws_secret_access_key": "bench",
    }
    events, sqs = boto3.client("events", **options), boto3.client("sqs", **options)
    events.create_event_bus(Name="ordermesh")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="orders", EventBusName="ordermesh", EventPattern=PATTERN)
    events.put_targets(Rule="orders", EventBusName="ordermesh", Targets=[{"Id": "t", "Arn": arn}])
    entries = _entries(MOTO_BATCH)

    def round_trip() -> int:
        for start in range(0, MOTO_BATCH, 10):
            assert events.put_events(Entries=entries[start : start + 10])["FailedEntryCount"] == 0
        received = 0
        while received < MOTO_BATCH:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if messages:
                sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(messages)
                    ],
                )
            received += len(messages)
        return MOTO_BATCH

    return round_trip, server


def run() -> tuple[str, bool]:
    with tempfile.TemporaryDirectory() as directory:
        ours = _ours(Path(directory) / "plain")
        with_lake = _ours(Path(directory) / "lake", lake=True)
        moto, server = _moto()
        try:
            timings = compare(
                {
                    "moto server: put_events -> SQS -> receive/delete (peer)": moto,
                    "ours: PutEvents -> rule -> SQLite queue -> consumer (durable)": ours,
                    "ours, with the lake's rules and delivery streams": with_lake,
                },
                rounds=7,
            )
        finally:
            server.stop()
    return _report(timings)


def _report(timings: dict[str, Timing]) -> tuple[str, bool]:
    peer, ours, with_lake = timings.values()
    ratio = peer.per_op_seconds / ours.per_op_seconds
    met = ours.ops_per_second >= TARGET_RATE and ratio >= TARGET_RATIO
    cost = with_lake.per_op_seconds / ours.per_op_seconds - 1
    lake_met = cost <= LAKE_COST_LIMIT
    lines = [
        "## Bus throughput",
        "",
        (
            "Events put 10 per PutEvents call (a two-line OrderPlaced v2), routed by a rule to a "
            "queue, received 10 at a time and acknowledged; a round ends when every event came "
            f"back ({OURS_BATCH} events per round for ours, {MOTO_BATCH} for moto). Ours: "
            "in process, SQLite on disk (WAL, synchronous=NORMAL), contract validation on, 21 "
            "rules on the bus, the consumer is a function called with the SQS batch event. "
            "With the lake: the same, plus the data lake's rules (one per event version, "
            "from the platform manifest's `[lake]`) to their delivery streams, which read "
            "the bus archive as their buffer, and the flusher's round run after "
            "each round (local buffering: objects written at 1 MB or 5 s). "
            "moto: its server on loopback through boto3. Median of interleaved rounds."
        ),
        "",
        "| path | per event | events/s | vs moto |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += table_rows(timings.values(), peer, digits=0)
    lines += [
        "",
        (
            f"Targets: at least {TARGET_RATE:,.0f} events/s and {TARGET_RATIO:.0f}x moto: "
            f"**{ours.ops_per_second:,.0f} events/s, {ratio:.1f}x, {_verdict(met)}**; "
            f"the lake's rules cost at most {LAKE_COST_LIMIT:.0%} of the bus's throughput: "
            f"**{cost:.1%} slower ({with_lake.ops_per_second:,.0f} events/s), "
            f"{_verdict(lake_met)}**."
        ),
    ]
    return "\n".join(lines), met and lake_met


def _verdict(met: bool) -> str:  # noqa: FBT001 - a verdict of one flag
    return "met" if met else "NOT met"


if __name__ == "__main__":
    text, _ = run()
    print(text)
