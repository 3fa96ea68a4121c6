"""``GET /platform/status`` from a runtime: the dead-letter queues and their depths, how far a
stream consumer is behind (records and the age of the oldest), the payment service's breakers."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from ordermesh_platform.runtime.functions import FunctionSettings
from ordermesh_platform.runtime.queues import QueueSettings
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.runtime.server import BackgroundServer
from ordermesh_platform.runtime.status import status
from ordermesh_platform.runtime.stream_consumer import StreamConsumer, StreamConsumerSettings
from ordermesh_platform.shared.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def runtime(tmp_path: Path, clock: ManualClock) -> Iterator[LocalRuntime]:
    opened = LocalRuntime(RuntimeOptions(state_dir=tmp_path, validate_contracts=False), clock=clock)
    yield opened
    opened.close()


def _consumer(runtime: LocalRuntime) -> StreamConsumer:
    runtime.streams.create("events", shard_count=2)
    runtime.functions.register("reader", FunctionSettings(handler="x:y"), lambda *_: None)
    consumer = StreamConsumer(
        StreamConsumerSettings(
            name="kpis",
            stream="events",
            function="reader",
            starting_position="TRIM_HORIZON",
            on_failure="kpis-failed",
        ),
        runtime.streams,
        runtime.functions,
        runtime.queues,
    )
    runtime.stream_consumers.append(consumer)
    return consumer


def test_a_consumer_is_behind_by_the_records_after_its_checkpoint(
    runtime: LocalRuntime, clock: ManualClock
) -> None:
    # Given three records put on one shard 5 s ago, the consumer not having polled yet
    consumer = _consumer(runtime)
    for n in range(3):
        runtime.streams.put_record("events", "same-key", f"r{n}".encode())
    clock.advance(5)
    [found] = status(runtime)["consumers"]
    # Then it is three records and 5 s behind, on one of its two shards
    assert (found["name"], found["stream"]) == ("kpis", "events")
    assert (found["recordsBehind"], found["millisBehindLatest"]) == (3, 5000)
    assert sorted(s["recordsBehind"] for s in found["shards"]) == [0, 3]
    # When it has read them, it is not behind
    consumer.poll_once()
    [found] = status(runtime)["consumers"]
    assert (found["recordsBehind"], found["millisBehindLatest"]) == (0, 0)


def test_dead_letter_queues_have_their_depth_and_what_feeds_them(runtime: LocalRuntime) -> None:
    _consumer(runtime)
    runtime.queues.create("work-dlq")
    runtime.queues.create("work", QueueSettings(max_receive_count=3, dead_letter_queue="work-dlq"))
    runtime.queues.send("work-dlq", "poison")
    queues = {q["name"]: q for q in status(runtime)["deadLetterQueues"]}
    assert queues == {
        "kpis-failed": {"name": "kpis-failed", "messages": 0, "fedBy": ["stream consumer kpis"]},
        "work-dlq": {"name": "work-dlq", "messages": 1, "fedBy": ["work"]},
    }


def test_breakers_are_read_from_the_payment_services_database(runtime: LocalRuntime) -> None:
    # Given no payment database, then no breaker; given one with a breaker open, then that one
    assert status(runtime)["breakers"] == []
    database = runtime.environment.database("payment")
    with sqlite3.connect(database) as conn:
        conn.execute(
            "CREATE TABLE breakers (name TEXT PRIMARY KEY, status TEXT, failures INTEGER, "
            "since TEXT, trials INTEGER, version INTEGER)"
        )
        conn.execute(
            "INSERT INTO breakers VALUES "
            "('payment-provider', 'OPEN', 5, '2026-01-01T00:00:00', 0, 3)"
        )
    conn.close()
    assert status(runtime)["breakers"] == [
        {
            "name": "payment-provider",
            "status": "OPEN",
            "failures": 5,
            "since": "2026-01-01T00:00:00",
            "trials": 0,
        }
    ]


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.headers["content-type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["content-type"], exc.read()


def test_the_status_and_the_dashboard_are_served_beside_the_apis(runtime: LocalRuntime) -> None:
    with BackgroundServer(runtime.http_app()) as server:
        status_code, kind, body = _get(f"{server.url}/platform/status")
        assert (status_code, kind) == (200, "application/json")
        assert json.loads(body)["at"] == "2026-01-01T00:00:00Z"
        status_code, kind, body = _get(f"{server.url}/dashboard")
        assert (status_code, kind) == (200, "text/html; charset=utf-8")
        assert b'<script src="/dashboard/dashboard.js">' in body
        status_code, kind, _ = _get(f"{server.url}/dashboard/dashboard.js")
        assert (status_code, kind) == (200, "text/javascript; charset=utf-8")
        assert _get(f"{server.url}/dashboard/secrets.txt")[0] == 404
