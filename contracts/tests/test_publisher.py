"""The Publisher: envelope, validation before sending, batching, retries, never a silent drop."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest
from ordermesh_contracts.bus import InMemoryEventBus, PutEventsEntry, TransientBusError
from ordermesh_contracts.catalog import Catalog
from ordermesh_contracts.errors import ContractViolation
from ordermesh_contracts.models.inventory import stock_level_low_v1
from ordermesh_contracts.models.order import order_placed_v2
from ordermesh_contracts.publishing import Outgoing, Publisher, PublishError, RetryPolicy

from .conftest import example


def _publisher(
    bus: InMemoryEventBus, source: str = "ordermesh.inventory", **kwargs: object
) -> Publisher:
    delays: list[float] = []
    publisher = Publisher(
        source=source,
        event_bus_name="ordermesh",
        bus=bus,
        sleep=delays.append,
        rng=random.Random(7),
        **kwargs,  # type: ignore[arg-type]
    )
    publisher.delays = delays  # type: ignore[attr-defined]
    return publisher


def _low(sku: str = "MUG-BLUE-350", available: int = 3) -> Outgoing:
    data = stock_level_low_v1.StockLevelLow(
        sku=sku, available=available, threshold=5, warehouse="lis-1"
    )
    return Outgoing(data=data, correlation_id="ord_01JD7Q4K2M9T", causation_id="req-1")


def test_it_builds_the_envelope_and_metadata_from_the_contract() -> None:
    bus = InMemoryEventBus()
    outgoing = Outgoing(
        data=_low().data,
        correlation_id="ord_01JD7Q4K2M9T",
        causation_id="evt-9",
        task_token="tok-123",
        occurred_at=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
        resources=("arn:aws:dynamodb:eu-west-1:123456789012:table/stock",),
    )
    [published] = _publisher(bus).publish(outgoing)
    [entry] = bus.accepted
    assert (entry.source, entry.detail_type, entry.event_bus_name) == (
        "ordermesh.inventory",
        "StockLevelLow",
        "ordermesh",
    )
    assert entry.resources == ("arn:aws:dynamodb:eu-west-1:123456789012:table/stock",)
    detail = json.loads(entry.detail)
    assert detail["metadata"] == {
        "eventId": outgoing.event_id,
        "eventVersion": 1,
        "correlationId": "ord_01JD7Q4K2M9T",
        "causationId": "evt-9",
        "occurredAt": "2026-11-22T10:00:00Z",
        "taskToken": "tok-123",
    }
    assert detail["data"] == {
        "sku": "MUG-BLUE-350",
        "available": 3,
        "threshold": 5,
        "warehouse": "lis-1",
    }
    assert published.ref == "StockLevelLow@1"
    assert published.event_id == outgoing.event_id


def test_an_invalid_event_raises_before_anything_is_sent() -> None:
    bus = InMemoryEventBus()
    bad = stock_level_low_v1.StockLevelLow.model_construct(
        sku="x", available=-1, threshold=5, warehouse="w"
    )
    with pytest.raises(ContractViolation) as caught:
        _publisher(bus).publish(_low(), Outgoing(data=bad, correlation_id="c", causation_id="c"))
    assert caught.value.event == "StockLevelLow@1"
    assert caught.value.pointer in {"/detail/data/sku", "/detail/data/available"}
    assert bus.calls == []


def test_a_publisher_only_publishes_its_own_source(catalog: Catalog) -> None:
    data = order_placed_v2.OrderPlacedEvent.model_validate(
        example(catalog, "OrderPlaced@2")
    ).detail.data
    with pytest.raises(
        ValueError, match=r"ordermesh.inventory cannot publish ordermesh.order/OrderPlaced@2"
    ):
        _publisher(InMemoryEventBus()).publish(
            Outgoing(data=data, correlation_id="c", causation_id="c")
        )


def test_batches_hold_at_most_ten_entries() -> None:
    bus = InMemoryEventBus()
    _publisher(bus).publish(*[_low(available=i) for i in range(23)])
    assert [len(c) for c in bus.calls] == [10, 10, 3]
    assert [json.loads(e.detail)["data"]["available"] for e in bus.accepted] == list(range(23))


def test_batches_stay_under_256_kb_counted_as_eventbridge_does() -> None:
    entry = PutEventsEntry("ab", "cd", "é", "bus", resources=("r1",), time=datetime.now(UTC))
    assert (
        entry.size() == 14 + 2 + 2 + 2 + 2
    )  # Time + Source + DetailType + Detail (UTF-8) + Resources
    bus = InMemoryEventBus()
    big = "X" * 30_000
    events = [_low(sku=f"SKU-{i}") for i in range(12)]
    events = [Outgoing(e.data, e.correlation_id, e.causation_id, resources=(big,)) for e in events]
    _publisher(bus).publish(*events)
    sizes = [sum(e.size() for e in call) for call in bus.calls]
    assert all(s <= 256 * 1024 for s in sizes)
    assert [len(c) for c in bus.calls] == [8, 4]


def test_an_entry_over_256_kb_is_refused_up_front() -> None:
    bus = InMemoryEventBus()
    event = Outgoing(_low().data, "c", "c", resources=("X" * (256 * 1024),))
    with pytest.raises(ValueError, match="over EventBridge's 256 KB"):
        _publisher(bus).publish(_low(), event)
    assert bus.calls == []


def test_failed_entries_are_retried_alone_with_growing_jittered_backoff() -> None:
    bus = InMemoryEventBus(
        fail_next=[[None, "ThrottlingException", None], ["InternalFailure"], [None]]
    )
    publisher = _publisher(bus, retry=RetryPolicy(max_attempts=5, base_delay=0.1, max_delay=1.0))
    published = publisher.publish(_low(available=1), _low(available=2), _low(available=3))
    assert [len(c) for c in bus.calls] == [3, 1, 1]
    assert json.loads(bus.calls[1][0].detail)["data"]["available"] == 2
    assert len(published) == 3
    first, second = publisher.delays  # type: ignore[attr-defined]
    assert 0 <= first <= 0.1
    assert 0 <= second <= 0.2


def test_what_still_fails_after_the_last_attempt_is_raised_with_what_was_published() -> None:
    script: list[list[str | None] | Exception] = [[None, "ThrottlingException"]] + [
        ["ThrottlingException"]
    ] * 3
    bus = InMemoryEventBus(fail_next=script)
    ok, doomed = _low(available=1), _low(available=2)
    with pytest.raises(PublishError) as caught:
        _publisher(bus, retry=RetryPolicy(max_attempts=4)).publish(ok, doomed)
    assert [(f.event_id, f.error_code) for f in caught.value.failed] == [
        (doomed.event_id, "ThrottlingException")
    ]
    assert [p.event_id for p in caught.value.published] == [ok.event_id]
    assert len(bus.calls) == 4


def test_a_permanent_entry_error_is_not_retried_but_raised() -> None:
    bus = InMemoryEventBus(fail_next=[["AccessDeniedException"]])
    with pytest.raises(PublishError, match="AccessDeniedException"):
        _publisher(bus).publish(_low())
    assert len(bus.calls) == 1


def test_a_transient_failure_of_the_whole_call_is_retried() -> None:
    bus = InMemoryEventBus(fail_next=[TransientBusError("throttled"), [None]])
    assert len(_publisher(bus).publish(_low())) == 1
    assert len(bus.calls) == 2


def test_full_jitter_backoff_is_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=2.0)
    rng = random.Random(1)
    assert all(0 <= policy.delay(attempt, rng) <= 2.0 for attempt in range(1, 20))
