"""The runtime's record of handler invocations: what each one handled, when, for how long, and
how it ended, kept for ``ordermesh trace`` and pruned."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from ordermesh_platform.runtime.function_calls import FunctionError
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.invocation_log import (
    Handled,
    InvocationLog,
    handled_by,
    stream_batch,
)
from ordermesh_platform.runtime.lambda_context import LambdaContext
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.shapes import sqs_event
from ordermesh_platform.runtime.stream_consumer import kinesis_event
from ordermesh_platform.runtime.stream_shards import sequence_position
from ordermesh_platform.runtime.streams import Streams
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store


def bus_event(event_id: str) -> dict[str, Any]:
    return {
        "id": "eb-" + event_id,
        "detail-type": "OrderPlaced",
        "source": "ordermesh.order",
        "detail": {"metadata": {"eventId": event_id}, "data": {}},
    }


def test_a_bus_event_invoke_handled_its_metadata_event_id() -> None:
    [handled] = handled_by(bus_event("evt-1"))
    assert (handled.id, handled.source, handled.attempt) == ("evt-1", "event", 1)


def test_an_http_invoke_handled_its_request_id() -> None:
    event = {"routeKey": "POST /orders", "requestContext": {"requestId": "req-1"}}
    [handled] = handled_by(event)
    assert (handled.id, handled.source) == ("req-1", "http")


def test_an_sqs_batch_handled_each_body_with_its_receive_count(
    queues: Queues, clock: ManualClock
) -> None:
    queues.create("commands")
    queues.send("commands", json.dumps(bus_event("evt-1")))
    queues.send("commands", json.dumps(bus_event("evt-2")))
    first = queues.receive("commands", 10, visibility_timeout=1)
    clock.advance(2)
    batch = queues.receive("commands", 10)
    assert len(first) == len(batch) == 2
    handled = handled_by(sqs_event(batch))
    assert [(h.id, h.source, h.attempt) for h in handled] == [
        ("evt-1", "sqs:commands", 2),
        ("evt-2", "sqs:commands", 2),
    ]
    assert [h.item for h in handled] == [m.message_id for m in batch]


def test_a_kinesis_batch_is_its_shard_and_first_and_last_positions(
    store: Store, clock: ManualClock
) -> None:
    records = put_events(Streams(store, clock), [f"evt-{n}" for n in range(3)])
    event = kinesis_event(records, function="kpis")
    batch = stream_batch(event)
    assert batch is not None
    positions = [sequence_position(r.sequence_number) for r in records]
    assert (batch.stream, batch.shard, batch.first, batch.last) == (
        "analytics",
        0,
        positions[0],
        positions[-1],
    )
    assert handled_by(event) == []  # its records are not read one by one


def test_a_kinesis_event_of_foreign_records_is_no_batch() -> None:
    record = {
        "eventSource": "aws:kinesis",
        "eventID": "shardId-000000000000:42",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:000000000000:stream/analytics",
        "kinesis": {"data": "", "sequenceNumber": "42"},
    }
    assert stream_batch({"Records": [record]}) is None
    assert stream_batch({"Records": []}) is None


def test_bodies_that_are_not_events_handle_nothing() -> None:
    assert handled_by({"Records": [{"eventSource": "aws:sqs", "body": "not json"}]}) == []
    assert handled_by({"orderId": "o-1"}) == []
    assert handled_by(["a list"]) == []


def test_an_invocation_is_recorded_with_its_duration_and_outcome(
    functions: Functions, store: Store, clock: ManualClock
) -> None:
    def handler(event: Any, _context: LambdaContext) -> None:
        clock.advance(0.25)
        if event["detail"]["metadata"]["eventId"] == "evt-bad":
            raise ValueError("no such order")

    functions.register("saga-start", FunctionSettings(handler="x:y"), handler)
    started = clock.now()
    functions.invoke("saga-start", bus_event("evt-1"), request_id="r-1")
    with pytest.raises(FunctionError):
        functions.invoke("saga-start", bus_event("evt-bad"), request_id="r-2")
    log = InvocationLog(store)
    wait_for_rows(log, ["evt-1", "evt-bad"], 2)
    ok, failed = log.handling(["evt-1", "evt-bad"])
    assert (ok.function, ok.request_id, ok.handled_id, ok.outcome) == (
        "saga-start",
        "r-1",
        "evt-1",
        "ok",
    )
    assert ok.started_at == started
    assert ok.duration >= 0
    assert (failed.outcome, failed.error) == ("error", "ValueError: no such order")


def test_a_batch_item_failure_is_that_items_outcome(
    functions: Functions, store: Store, queues: Queues
) -> None:
    queues.create("commands")
    queues.send("commands", json.dumps(bus_event("evt-1")))
    queues.send("commands", json.dumps(bus_event("evt-2")))
    batch = queues.receive("commands", 10)
    failing = next(m.message_id for m in batch if "evt-2" in m.body)
    functions.register(
        "commands",
        FunctionSettings(handler="x:y"),
        lambda _e, _c: {"batchItemFailures": [{"itemIdentifier": failing}]},
    )
    functions.invoke("commands", sqs_event(batch))
    log = InvocationLog(store)
    wait_for_rows(log, ["evt-1", "evt-2"], 2)
    outcomes = {run.handled_id: run.outcome for run in log.handling(["evt-1", "evt-2"])}
    assert outcomes == {"evt-1": "ok", "evt-2": "item-failed"}


def test_invocations_that_handled_no_event_are_not_recorded(
    functions: Functions, store: Store
) -> None:
    # Given a function (one call at a time) invoked with no event, then with one
    functions.register("task", FunctionSettings(handler="x:y"), lambda _e, _c: None)
    functions.invoke("task", {"orderId": "o-1"})
    functions.invoke("task", bus_event("evt-1"))
    log = InvocationLog(store)
    wait_for_rows(log, ["evt-1"], 1)  # the first call was recorded (or not) before the second
    functions.invocation_log.flush()
    # Then only the invocation that handled an event is recorded
    count = store.connection().execute("SELECT COUNT(*) FROM invocation_log").fetchone()[0]
    assert count == 1


def test_old_and_surplus_records_are_pruned(store: Store, clock: ManualClock) -> None:
    log = InvocationLog(store, keep_seconds=60, keep_rows=3)
    for n in range(5):
        log.record_rows([(f"f{n}", f"r{n}", f"evt-{n}", "event", 1, clock.now(), 0.1, "ok", None)])
        clock.advance(20)
    log.prune(clock.now())  # now = 100: rows started before 40 go, then all but the newest 3
    kept = [run.handled_id for run in log.handling([f"evt-{n}" for n in range(5)])]
    assert kept == ["evt-2", "evt-3", "evt-4"]
    log.prune(clock.now() + 35)  # now = 135: rows started before 75 go
    assert [run.handled_id for run in log.handling(kept)] == ["evt-4"]


def wait_for_rows(log: InvocationLog, ids: list[str], count: int) -> None:
    """Rows are recorded on the handler's thread just after the caller has its answer, and
    written within ``FLUSH_SECONDS``."""
    for _ in range(200):
        if len(log.handling(ids)) >= count:
            return
        threading.Event().wait(0.01)
    pytest.fail(f"expected {count} rows for {ids}")


def put_events(
    streams: Streams, ids: list[str], *, stream: str = "analytics", shard: int = 0
) -> list[Any]:
    """``ids`` as bus events on one shard of ``stream`` (of two), read back as a consumer
    reads them."""
    if stream not in streams.names():
        streams.create(stream, shard_count=2)
    for id_ in ids:
        data = json.dumps(bus_event(id_)).encode()
        streams.put_record(stream, id_, data, explicit_hash_key=str(shard * 2**127))
    return streams.read(stream, f"shardId-{shard:012d}")[-len(ids) :]


def record_batch(log: InvocationLog, records: list[Any], request_id: str, **facts: Any) -> None:
    batch = stream_batch(kinesis_event(records, function="kpis"))
    assert batch is not None
    defaults = {"duration": 0.2, "result": None, "error": None, "timed_out": False}
    log.record("kpis", request_id, batch, **(defaults | facts))


def test_a_stream_batch_is_one_row_and_each_of_its_events_is_found(
    store: Store, clock: ManualClock
) -> None:
    # Given an invocation of a stream consumer that handled 300 events, one of them failing
    streams = Streams(store, clock)
    log = InvocationLog(store)
    records = put_events(streams, [f"evt-{n}" for n in range(300)])
    log.record_rows([("f", "r", "evt-x", "event", 1, clock.now(), 0.1, "ok", None)] * 3)
    failing = {"batchItemFailures": [{"itemIdentifier": records[7].sequence_number}]}
    record_batch(log, records, "req-1", started_at=clock.now(), result=failing)
    log.flush()
    # Then it is written as one row
    rows = store.connection().execute("SELECT COUNT(*) FROM invocation_log").fetchone()[0]
    assert rows == 1 + 3
    # And every event is found with the invocation that handled it and its own outcome
    found = {run.handled_id: run for run in log.handling(["evt-0", "evt-7", "evt-299"])}
    assert set(found) == {"evt-0", "evt-7", "evt-299"}
    assert {(run.request_id, run.source) for run in found.values()} == {
        ("req-1", "kinesis:analytics")
    }
    assert (found["evt-7"].outcome, found["evt-299"].outcome) == ("item-failed", "ok")
    # An id that is only a prefix of one in the batch is not found (evt-29 is, evt-2999 is not)
    assert [run.handled_id for run in log.handling(["evt-2999", "evt-29"])] == ["evt-29"]


def test_a_stream_event_is_found_only_in_the_batches_that_held_it(
    store: Store, clock: ManualClock
) -> None:
    # Given two batches of one shard, the first failing whole and retried with the second
    streams = Streams(store, clock)
    log = InvocationLog(store)
    first = put_events(streams, ["evt-a"])
    put_events(streams, ["evt-e"], shard=1)  # inside the batches' positions, on another shard
    put_events(streams, ["evt-f"], stream="other")  # and on another stream's first shard
    first += put_events(streams, ["evt-b"])
    second = put_events(streams, ["evt-c"])
    record_batch(log, first, "req-1", started_at=clock.now(), error=RuntimeError("boom"))
    clock.advance(1)
    record_batch(log, first + second, "req-2", started_at=clock.now())
    # Then each event is found in each batch that held it, with that batch's outcome
    runs = [(r.handled_id, r.request_id, r.outcome) for r in log.handling(["evt-a", "evt-c"])]
    assert runs == [("evt-a", "req-1", "error"), ("evt-a", "req-2", "ok"), ("evt-c", "req-2", "ok")]
    # And the records of other shards between the batches' first and last were not in them
    assert log.handling(["evt-e"]) == log.handling(["evt-f"]) == []


def test_a_pruned_stream_batch_takes_its_range_along(store: Store, clock: ManualClock) -> None:
    streams = Streams(store, clock)
    log = InvocationLog(store, keep_seconds=60)
    record_batch(log, put_events(streams, ["evt-a", "evt-b"]), "old", started_at=clock.now())
    clock.advance(120)
    record_batch(log, put_events(streams, ["evt-c", "evt-d"]), "new", started_at=clock.now())
    log.prune(clock.now())
    assert [run.handled_id for run in log.handling(["evt-b", "evt-d"])] == ["evt-d"]
    ranges = store.connection().execute("SELECT COUNT(*) FROM invocation_ranges").fetchone()[0]
    assert ranges == 1


def test_rows_are_written_together_shortly_after_and_all_of_them_on_stop(
    store: Store, clock: ManualClock
) -> None:
    # Given a log that writes what it recorded every 50 ms
    log = InvocationLog(store, flush_seconds=0.05)
    reader = InvocationLog(store)  # another process's view: the table only

    def written() -> int:
        return int(store.connection().execute("SELECT COUNT(*) FROM invocation_log").fetchone()[0])

    args = {"duration": 0.1, "result": None, "error": None, "timed_out": False}
    # When invocations are recorded, they are in the table within the interval
    for n in range(3):
        log.record("f", f"r{n}", [Handled(f"evt-{n}", "event")], started_at=clock.now(), **args)
    for _ in range(200):
        if written() == 3:
            break
        threading.Event().wait(0.01)
    assert written() == 3
    assert [run.request_id for run in reader.handling(["evt-0", "evt-1", "evt-2"])] == [
        "r0",
        "r1",
        "r2",
    ]
    # And what is recorded before a stop is written by it, however long the interval
    slow = InvocationLog(store, flush_seconds=3600)
    slow.record("f", "r3", [Handled("evt-3", "event")], started_at=clock.now(), **args)
    assert written() == 3
    slow.stop()
    assert written() == 4
    log.stop()
