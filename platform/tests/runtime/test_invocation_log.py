"""The runtime's record of handler invocations: what each one handled, when, for how long, and
how it ended, kept for ``ordermesh trace`` and pruned."""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

import pytest
from ordermesh_platform.runtime.function_calls import FunctionError
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.invocation_log import Handled, InvocationLog, handled_by
from ordermesh_platform.runtime.lambda_context import LambdaContext
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.shapes import sqs_event
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


def test_a_kinesis_batch_handled_each_record() -> None:
    data = base64.b64encode(json.dumps(bus_event("evt-9")).encode()).decode()
    record = {
        "eventSource": "aws:kinesis",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:000000000000:stream/analytics",
        "kinesis": {"data": data, "sequenceNumber": "42"},
    }
    [handled] = handled_by({"Records": [record]})
    assert (handled.id, handled.source, handled.item) == ("evt-9", "kinesis:analytics", "42")


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
    done = threading.Event()
    functions.register("task", FunctionSettings(handler="x:y"), lambda _e, _c: done.set())
    functions.invoke("task", {"orderId": "o-1"})
    assert done.is_set()
    count = store.connection().execute("SELECT COUNT(*) FROM invocation_log").fetchone()[0]
    assert count == 0


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
    """Rows are written on the handler's thread just after the caller has its answer."""
    for _ in range(200):
        if len(log.handling(ids)) >= count:
            return
        threading.Event().wait(0.01)
    pytest.fail(f"expected {count} rows for {ids}")


def _stream_batch(ids: list[str]) -> list[Handled]:
    return [Handled(i, "kinesis:analytics", 1, str(n)) for n, i in enumerate(ids)]


def test_a_stream_batch_is_one_row_and_each_of_its_events_is_found(
    store: Store, clock: ManualClock
) -> None:
    # Given an invocation of a stream consumer that handled 300 events, one of them failing
    log = InvocationLog(store)
    ids = [f"evt-{n}" for n in range(300)]
    log.record(
        "kpis",
        "req-1",
        _stream_batch(ids),
        started_at=clock.now(),
        duration=0.2,
        result={"batchItemFailures": [{"itemIdentifier": "7"}]},
        error=None,
        timed_out=False,
    )
    # Then it is written as two rows (the records that ended alike, and the failed one)
    rows = store.connection().execute("SELECT COUNT(*) FROM invocation_log").fetchone()[0]
    assert rows == 2
    # And every event is found with the invocation that handled it and its own outcome
    found = {run.handled_id: run for run in log.handling(["evt-0", "evt-7", "evt-299"])}
    assert set(found) == {"evt-0", "evt-7", "evt-299"}
    assert {run.request_id for run in found.values()} == {"req-1"}
    assert (found["evt-7"].outcome, found["evt-299"].outcome) == ("item-failed", "ok")
    # An id that is only a prefix of one in the batch is not found (evt-29 is, evt-2999 is not)
    assert [run.handled_id for run in log.handling(["evt-2999", "evt-29"])] == ["evt-29"]


def test_a_pruned_stream_batch_takes_its_ids_along(store: Store, clock: ManualClock) -> None:
    log = InvocationLog(store, keep_seconds=60)
    args = {"duration": 0.1, "result": None, "error": None, "timed_out": False}
    log.record("kpis", "old", _stream_batch(["evt-a", "evt-b"]), started_at=clock.now(), **args)
    clock.advance(120)
    log.record("kpis", "new", _stream_batch(["evt-c", "evt-d"]), started_at=clock.now(), **args)
    log.prune(clock.now())
    assert [run.handled_id for run in log.handling(["evt-b", "evt-d"])] == ["evt-d"]
    batches = store.connection().execute("SELECT COUNT(*) FROM invocation_batches").fetchone()[0]
    assert batches == 1
