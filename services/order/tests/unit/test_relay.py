"""The outbox relay (``service_layer.relay``): it publishes the outbox's unpublished messages,
oldest first and in batches, with the metadata the use case recorded, then marks them
published; a publish failure marks nothing, so the next run sends them again (same event ids).
``OutboxRelay.kick``: one drain at a time, and a kick during a drain makes it look again.

The outbox is the in-memory database's, read through a small position-keyed view (what the
SQLite and DynamoDB adapters' ``unpublished``/``mark_published`` do); the bus is the contracts'
in-memory one behind a real Publisher."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from order_service.adapters.memory import FixedClock, MemoryDatabase
from order_service.adapters.ports import OutboxMessage
from order_service.service_layer import relay as relay_module
from order_service.service_layer.orders import Ports, place_order
from order_service.service_layer.relay import OutboxRelay, relay
from ordermesh_contracts.bus import EntryResult, InMemoryEventBus, PutEventsEntry
from ordermesh_contracts.publishing import Publisher, PublishError

from .conftest import place

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


@dataclass
class OutboxView:
    """The memory outbox with positions as sequence numbers and a published mark for each."""

    db: MemoryDatabase
    published_at: dict[int, datetime] = field(default_factory=dict)
    reads: list[int] = field(default_factory=list)
    marks: list[list[int]] = field(default_factory=list)

    def unpublished(self, limit: int) -> list[tuple[int, OutboxMessage]]:
        self.reads.append(limit)
        with self.db.lock:
            waiting = [
                (seq, message)
                for seq, message in enumerate(self.db.outbox)
                if seq not in self.published_at
            ]
        return waiting[:limit]

    def mark_published(self, seqs: list[int], at: datetime) -> None:
        self.marks.append(list(seqs))
        for seq in seqs:
            self.published_at[seq] = at


class HookedBus(InMemoryEventBus):
    """The in-memory bus, running ``hook`` (once) inside its first PutEvents call."""

    def __init__(self, hook: Callable[[], None]) -> None:
        super().__init__()
        self.hook: Callable[[], None] | None = hook

    def put_events(self, entries: Sequence[PutEventsEntry]) -> list[EntryResult]:
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
        return super().put_events(entries)


def _publisher(bus: InMemoryEventBus) -> Publisher:
    return Publisher(
        source="ordermesh.order",
        event_bus_name="ordermesh",
        bus=bus,
        sleep=lambda _seconds: None,
        rng=random.Random(7),
    )


def _now() -> datetime:
    return NOW


def _place_orders(ports: Ports, count: int) -> None:
    for _ in range(count):
        place_order(place(), ports)


def _details(bus: InMemoryEventBus) -> list[dict[str, Any]]:
    return [json.loads(entry.detail) for entry in bus.accepted]


@pytest.fixture
def outbox(db: MemoryDatabase) -> OutboxView:
    return OutboxView(db)


def test_relay_publishes_each_message_with_its_recorded_metadata_and_marks_it(
    ports: Ports, db: MemoryDatabase, outbox: OutboxView
) -> None:
    placed = place_order(place(), ports)
    bus = InMemoryEventBus()
    count = relay(outbox.unpublished, outbox.mark_published, _publisher(bus), _now)
    assert count == 2
    assert [(e.source, e.detail_type, e.event_bus_name) for e in bus.accepted] == [
        ("ordermesh.order", "OrderPlaced", "ordermesh"),
        ("ordermesh.order", "OrderPlaced", "ordermesh"),
    ]
    first, second = _details(bus)
    assert first["metadata"] == {
        "eventId": db.outbox[0].event_id,
        "eventVersion": 1,
        "correlationId": placed.order.order_id,
        "causationId": "req-1",
        "occurredAt": "2026-11-22T09:00:00Z",
    }
    assert second["metadata"]["eventVersion"] == 2
    assert second["metadata"]["eventId"] == db.outbox[1].event_id
    assert first["data"] == db.outbox[0].data
    assert second["data"]["total"] == {"amount": "32.90", "currency": "EUR"}
    assert outbox.published_at == {0: NOW, 1: NOW}


def test_a_second_run_with_nothing_new_publishes_nothing(ports: Ports, outbox: OutboxView) -> None:
    place_order(place(), ports)
    bus = InMemoryEventBus()
    relay(outbox.unpublished, outbox.mark_published, _publisher(bus), _now)
    assert relay(outbox.unpublished, outbox.mark_published, _publisher(bus), _now) == 0
    assert len(bus.calls) == 1


def test_only_messages_not_yet_published_are_sent(
    ports: Ports, db: MemoryDatabase, outbox: OutboxView
) -> None:
    place_order(place(), ports)
    bus = InMemoryEventBus()
    relay(outbox.unpublished, outbox.mark_published, _publisher(bus), _now)
    place_order(place(), ports)
    assert relay(outbox.unpublished, outbox.mark_published, _publisher(bus), _now) == 2
    sent = [d["metadata"]["eventId"] for d in _details(bus)]
    assert sent == [m.event_id for m in db.outbox]
    assert outbox.marks == [[0, 1], [2, 3]]


def test_a_refused_publish_marks_nothing_and_the_next_run_sends_the_same_events(
    ports: Ports, db: MemoryDatabase, outbox: OutboxView
) -> None:
    place_order(place(), ports)
    bus = InMemoryEventBus(fail_next=[["AccessDeniedException", None]])
    with pytest.raises(PublishError) as error:
        relay(outbox.unpublished, outbox.mark_published, _publisher(bus), _now)
    assert [f.error_code for f in error.value.failed] == ["AccessDeniedException"]
    assert outbox.published_at == {}
    assert relay(outbox.unpublished, outbox.mark_published, _publisher(bus), _now) == 2
    ids = [d["metadata"]["eventId"] for d in _details(bus)]
    assert ids == [db.outbox[1].event_id, db.outbox[0].event_id, db.outbox[1].event_id], (
        "at least once: the accepted one again, with the same event id"
    )
    assert outbox.published_at == {0: NOW, 1: NOW}


def test_a_bus_that_raises_lets_the_error_through_and_marks_nothing(
    ports: Ports, outbox: OutboxView
) -> None:
    place_order(place(), ports)
    bus = InMemoryEventBus(fail_next=[ConnectionResetError("bus gone")])
    with pytest.raises(ConnectionResetError, match="bus gone"):
        relay(outbox.unpublished, outbox.mark_published, _publisher(bus), _now)
    assert outbox.marks == []


def test_messages_go_in_batches_of_fifty_oldest_first(
    ports: Ports, db: MemoryDatabase, outbox: OutboxView
) -> None:
    _place_orders(ports, 26)
    bus = InMemoryEventBus()
    count = relay(outbox.unpublished, outbox.mark_published, _publisher(bus), _now)
    assert relay_module.BATCH == 50
    assert count == 52
    assert outbox.reads == [50, 50], "a short batch is the last: no read after it"
    assert outbox.marks == [list(range(50)), [50, 51]]
    assert [d["metadata"]["eventId"] for d in _details(bus)] == [m.event_id for m in db.outbox]


def test_after_a_full_batch_the_relay_looks_again(ports: Ports, outbox: OutboxView) -> None:
    _place_orders(ports, 25)
    bus = InMemoryEventBus()
    assert relay(outbox.unpublished, outbox.mark_published, _publisher(bus), _now) == 50
    assert outbox.reads == [50, 50]
    assert outbox.marks == [list(range(50))]


def test_a_failure_in_a_later_batch_keeps_the_earlier_batches_published(
    ports: Ports, outbox: OutboxView
) -> None:
    _place_orders(ports, 26)
    first_batch_calls: list[list[str | None] | Exception] = [[None] * 10 for _ in range(5)]
    bus = InMemoryEventBus(fail_next=[*first_batch_calls, ["AccessDeniedException", None]])
    with pytest.raises(PublishError):
        relay(outbox.unpublished, outbox.mark_published, _publisher(bus), _now)
    assert sorted(outbox.published_at) == list(range(50))
    assert [seq for seq, _ in outbox.unpublished(100)] == [50, 51]


def test_the_relay_marks_with_the_time_of_marking(ports: Ports, outbox: OutboxView) -> None:
    _place_orders(ports, 26)
    clock = FixedClock(NOW)

    def later() -> datetime:
        clock.advance(60)
        return clock.now()

    relay(outbox.unpublished, outbox.mark_published, _publisher(InMemoryEventBus()), later)
    assert {outbox.published_at[0], outbox.published_at[51]} == {
        datetime(2026, 11, 22, 9, 31, tzinfo=UTC),
        datetime(2026, 11, 22, 9, 32, tzinfo=UTC),
    }
    assert outbox.published_at[49] < outbox.published_at[50]


# --- OutboxRelay.kick ---------------------------------------------------------------------------


def _outbox_relay(outbox: OutboxView, bus: InMemoryEventBus) -> OutboxRelay:
    return OutboxRelay(outbox.unpublished, outbox.mark_published, _publisher(bus), _now)


def test_kick_publishes_what_is_waiting(ports: Ports, outbox: OutboxView) -> None:
    place_order(place(), ports)
    bus = InMemoryEventBus()
    outbox_relay = _outbox_relay(outbox, bus)
    assert outbox_relay.kick() == 2
    assert outbox_relay.kick() == 0
    assert len(bus.accepted) == 2


def test_a_kick_during_a_drain_returns_at_once_and_the_drain_looks_again(
    ports: Ports, outbox: OutboxView
) -> None:
    place_order(place(), ports)
    inner: list[int] = []

    def commit_and_kick() -> None:
        place_order(place(), ports)  # another request commits while the first drain publishes
        inner.append(outbox_relay.kick())

    bus = HookedBus(commit_and_kick)
    outbox_relay = _outbox_relay(outbox, bus)
    assert outbox_relay.kick() == 4
    assert inner == [0], "the drain already under way publishes it"
    assert len(bus.accepted) == 4
    assert sorted(outbox.published_at) == [0, 1, 2, 3]


def test_a_kick_from_another_thread_while_draining_is_published_by_the_drain(
    ports: Ports, outbox: OutboxView
) -> None:
    place_order(place(), ports)
    publishing, release = threading.Event(), threading.Event()

    def hold() -> None:
        publishing.set()
        assert release.wait(10)

    bus = HookedBus(hold)
    outbox_relay = _outbox_relay(outbox, bus)
    results: list[int] = []
    drainer = threading.Thread(target=lambda: results.append(outbox_relay.kick()))
    drainer.start()
    try:
        assert publishing.wait(10)
        place_order(place(), ports)
        assert outbox_relay.kick() == 0
    finally:
        release.set()
        drainer.join(10)
    assert results == [4]
    assert sorted(outbox.published_at) == [0, 1, 2, 3]


def test_a_failed_kick_raises_and_the_next_kick_publishes(ports: Ports, outbox: OutboxView) -> None:
    place_order(place(), ports)
    bus = InMemoryEventBus(fail_next=[["AccessDeniedException", "AccessDeniedException"]])
    outbox_relay = _outbox_relay(outbox, bus)
    with pytest.raises(PublishError):
        outbox_relay.kick()
    assert not outbox_relay._draining.locked()
    assert outbox_relay.kick() == 2
    assert sorted(outbox.published_at) == [0, 1]
