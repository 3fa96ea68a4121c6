"""The bus archive as the delivery streams' buffer: PutEvents does no work for a delivery stream,
its rule is a rule like any other (its state decides what the stream takes), a rule's rendered
input is the record and is written again the same after a crash, and the archive is read as a
range of its rowid."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from ordermesh_platform.runtime.bus import LocalEventBus, Rule, Target, entry_from_event
from ordermesh_platform.runtime.delivery_streams import DeliveryStreams
from ordermesh_platform.runtime.lake_log import SCAN, unpack_seqs
from ordermesh_platform.runtime.transform import InputTransformer, TargetInput
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store
from tests.lake.support import (
    ORDER_PLACED,
    catalog_streams,
    flush_killed_before_publishing,
    lake_ids,
    order_placed,
    parquet_files,
    put,
    restarted,
)

LAKE_RULE = "platform-lake-order-placed-v2"


def _status(streams: DeliveryStreams) -> tuple[int, int]:
    (found,) = [s for s in streams.status() if s.name == ORDER_PLACED]
    return found.records_buffered, found.records_delivered


def test_putevents_does_no_work_for_a_delivery_stream_and_its_rule_is_a_rule(
    streams: DeliveryStreams, bus: LocalEventBus, store: Store, lake: Path
) -> None:
    # Given the lake's rule on the bus
    rule, arn = bus.describe_rule(LAKE_RULE)
    assert [t.kind for t in rule.targets] == ["delivery-stream"]
    assert LAKE_RULE in [r.name for r in bus.rules()]
    # When an event is put
    event_id = bus.put_events([entry_from_event(order_placed(1))]).entries[0].event_id
    # Then only the archive holds it, and the stream reads it from there
    conn = store.connection()
    assert conn.execute("SELECT COUNT(*) FROM lake_records").fetchone()[0] == 0
    assert LAKE_RULE not in bus.matching_rules(order_placed(1))
    assert arn.endswith(f"rule/ordermesh/{LAKE_RULE}")
    assert _status(streams) == (1, 0)
    assert streams.flush() == {ORDER_PLACED: 1}
    assert lake_ids(lake) == [event_id]


def test_a_disabled_rule_feeds_its_stream_nothing_until_enabled(
    streams: DeliveryStreams, bus: LocalEventBus, lake: Path
) -> None:
    bus.set_rule_state(LAKE_RULE, "DISABLED")
    put(bus, order_placed(1))
    assert streams.flush() == {}
    bus.set_rule_state(LAKE_RULE, "ENABLED")
    put(bus, order_placed(2))
    assert streams.flush() == {ORDER_PLACED: 1}
    assert lake_ids(lake) == [order_placed(2)["id"]]


def test_two_rules_to_one_stream_put_an_event_in_it_once(
    streams: DeliveryStreams, bus: LocalEventBus, lake: Path
) -> None:
    rule, _ = bus.describe_rule(LAKE_RULE)
    bus.put_rule(Rule("copy", rule.event_pattern, rule.targets))
    put(bus, order_placed(1))
    streams.flush()
    assert lake_ids(lake) == [order_placed(1)["id"]]


def test_the_record_is_the_rules_rendered_input_and_is_written_again_the_same(
    streams: DeliveryStreams,
    bus: LocalEventBus,
    lake: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the lake's rule sending the event with an InputTransformer that names the rule
    rule, _ = bus.describe_rule(LAKE_RULE)
    template = '{"id": <id>, "source": "<aws.events.rule-name>", "detail": <detail>}'
    paths = {"id": "$.id", "detail": "$.detail"}
    rendered = Target(
        "lake",
        "delivery-stream",
        ORDER_PLACED,
        TargetInput(input_transformer=InputTransformer(template, paths)),
    )
    bus.put_rule(Rule(LAKE_RULE, rule.event_pattern, (rendered,)))
    put(bus, order_placed(1), order_placed(2))

    # When the flush is killed after its object is in place, and the rule changes meanwhile
    flush_killed_before_publishing(streams, monkeypatch)
    (path,) = sorted((lake / "events").rglob("*.parquet"))
    content = path.read_bytes()
    bus.put_rule(rule)
    assert restarted(streams).recover() == 2

    # Then the rows are what the rule rendered, written again with the same bytes
    assert path.read_bytes() == content
    table = pq.read_table(path, columns=["id", "source", "detail_type"])
    assert table.column("source").to_pylist() == [LAKE_RULE, LAKE_RULE]
    assert table.column("detail_type").to_pylist() == [None, None]
    assert table.column("id").to_pylist() == [order_placed(n)["id"] for n in (1, 2)]


def test_rendered_records_stay_with_their_events_when_a_buffer_is_written_in_parts(
    streams: DeliveryStreams, bus: LocalEventBus, store: Store, lake: Path
) -> None:
    # Given the lake's rule rendering its records, and over 1 MB of them waiting
    rule, _ = bus.describe_rule(LAKE_RULE)
    template = '{"id": <id>, "source": "<aws.events.rule-name>", "detail": <detail>}'
    paths = {"id": "$.id", "detail": "$.detail"}
    transformer = TargetInput(input_transformer=InputTransformer(template, paths))
    target = Target("lake", "delivery-stream", ORDER_PLACED, transformer)
    bus.put_rule(Rule(LAKE_RULE, rule.event_pattern, (target,)))
    events = [order_placed(n) for n in range(2500)]
    put(bus, *events)
    # When the first MB is written once it is there, and then the rest
    streams.run_due()
    streams.flush()
    # Then each batch recorded the rendered records of its own events, and each row is one
    batches = store.connection().execute("SELECT seqs, rendered FROM lake_batches ORDER BY id")
    seqs = [(unpack_seqs(packed), json.loads(rendered)) for packed, rendered in batches]
    assert len(seqs) == 2
    for held, records in seqs:
        assert [int(seq) for seq in records] == held
    tables = [pq.read_table(path, columns=["id", "source"]) for path in parquet_files(lake)]
    assert sorted(i for t in tables for i in t.column("id").to_pylist()) == sorted(
        e["id"] for e in events
    )
    assert {s for t in tables for s in t.column("source").to_pylist()} == {LAKE_RULE}


def test_the_archive_is_read_as_a_range_of_its_rowid(store: Store, bus: LocalEventBus) -> None:
    plan = store.connection().execute(f"EXPLAIN QUERY PLAN {SCAN}", (0, bus.name, 10)).fetchall()
    details = [row[3] for row in plan]
    assert details == ["SEARCH archive USING INTEGER PRIMARY KEY (rowid>?)"], details


def test_a_new_stream_takes_the_events_archived_after_it_is_declared(
    store: Store, clock: ManualClock, lake: Path, bus: LocalEventBus
) -> None:
    put(bus, order_placed(1))
    streams = DeliveryStreams(store, clock, lake, bus)
    for stream in catalog_streams():
        streams.create(stream)
    put(bus, order_placed(2))
    streams.flush()
    assert lake_ids(lake) == [order_placed(2)["id"]]
    assert _status(streams) == (0, 1)
