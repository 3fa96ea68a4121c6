"""An order's trace from the runtime's stores: events by correlation id placed under their
causes, deliveries with their invocations and dead letters, and gaps shown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ordermesh_platform.runtime.bus import Rule, Target
from ordermesh_platform.runtime.functions import FunctionSettings
from ordermesh_platform.runtime.queue_consumer import QueueConsumer, QueueConsumerSettings
from ordermesh_platform.runtime.queues import QueueSettings
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.trace.build import build_trace
from ordermesh_platform.trace.render import render

ORDER = "ord_01TRACE"


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[LocalRuntime]:
    options = RuntimeOptions(state_dir=tmp_path, validate_contracts=False, retry_base_delay=1)
    runtime = LocalRuntime(options, clock=ManualClock())
    yield runtime
    runtime.close()


def put(runtime: LocalRuntime, name: str, event_id: str, cause: str, order: str = ORDER) -> None:
    detail = {
        "metadata": {"eventId": event_id, "correlationId": order, "causationId": cause},
        "data": {"orderId": order},
    }
    entry = {
        "Source": "test",
        "DetailType": name,
        "Detail": json.dumps(detail),
        "EventBusName": "ordermesh",
    }
    result = runtime.bus.put_events([entry])
    assert result.failed_entry_count == 0
    runtime.clock.advance(0.1)  # type: ignore[attr-defined]


def names(runtime: LocalRuntime) -> list[tuple[int, str, str]]:
    trace = build_trace(runtime, ORDER)
    return [(p.depth, p.span.kind, p.span.name) for p in trace.spans]


def test_events_hang_under_the_events_that_caused_them_and_other_orders_stay_out(
    runtime: LocalRuntime,
) -> None:
    put(runtime, "OrderPlaced", "e1", "e0")
    put(runtime, "Unrelated", "x1", "e1", order="ord_OTHER")
    put(runtime, "ReserveInventory", "e2", "e1")
    put(runtime, "InventoryReserved", "e3", "e2")
    put(runtime, "Audit", "e4", "e1")
    trace = build_trace(runtime, ORDER)
    shape = [(p.depth, p.span.name) for p in trace.spans]
    assert shape == [
        (0, "OrderPlaced v?"),
        (1, "ReserveInventory v?"),
        (2, "InventoryReserved v?"),
        (1, "Audit v?"),
    ]


def test_a_causation_id_that_names_nothing_is_a_gap(runtime: LocalRuntime) -> None:
    put(runtime, "OrderPlaced", "e1", "req-gone")
    put(runtime, "OrderConfirmed", "e2", "e-never-published")
    trace = build_trace(runtime, ORDER)
    assert {(g.name, g.detail["causationId"]) for g in trace.gaps} == {
        ("OrderPlaced v?", "req-gone"),
        ("OrderConfirmed v?", "e-never-published"),
    }
    assert all("names no event" in (g.gap or "") for g in trace.gaps)
    assert trace.to_json()["gaps"] == [
        {"span": "event:e1", "reason": trace.gaps[0].gap},
        {"span": "event:e2", "reason": trace.gaps[1].gap},
    ]
    assert "gap" in render_text(trace)


def test_a_delivery_shows_each_attempt_with_its_duration_and_the_dead_letter(
    runtime: LocalRuntime,
) -> None:
    runtime.queues.create("commands-dlq")
    settings = QueueSettings(
        visibility_timeout=1, max_receive_count=2, dead_letter_queue="commands-dlq"
    )
    runtime.queues.create("commands", settings)
    runtime.functions.register("commands-consumer", FunctionSettings(handler="x:y"), fail)
    runtime.queue_consumers.append(
        QueueConsumer(
            QueueConsumerSettings("commands", "commands-consumer"),
            runtime.queues,
            runtime.functions,
        )
    )
    target = Target("q", "queue", "commands")
    runtime.add_rule(Rule("commands", '{"detail-type": ["ReserveInventory"]}', (target,)))
    put(runtime, "ReserveInventory", "e1", "e0")
    for _ in range(3):
        runtime.run_until_idle()
        runtime.clock.advance(2)  # type: ignore[attr-defined]
    wait_for_invocations(runtime, 2)
    trace = build_trace(runtime, ORDER)
    [delivery] = [p for p in trace.spans if p.span.kind == "delivery"]
    assert delivery.span.name == "commands → queue commands"
    assert delivery.span.detail["attempts"] == 2
    assert delivery.span.detail["retries"] == 1
    below = [p.span for p in trace.spans if p.span.parent == delivery.span.id]
    assert [(s.kind, s.detail.get("attempt")) for s in below] == [
        ("invocation", 1),
        ("invocation", 2),
        ("dead-letter", None),
    ]
    assert all(s.duration is not None for s in below[:2])
    assert below[0].detail["outcome"] == "error"
    assert below[2].detail["queue"] == "commands-dlq"


def fail(_event: Any, _context: Any) -> None:
    raise RuntimeError("inventory is closed")


def wait_for_invocations(runtime: LocalRuntime, count: int) -> None:
    log = runtime.functions.invocation_log
    for _ in range(200):
        if len(log.handling(["e1"])) >= count:
            return
        runtime.clock.sleep(0)
        __import__("time").sleep(0.01)
    pytest.fail("invocations were not recorded")


def render_text(trace: Any) -> str:
    from rich.console import Console

    console = Console(record=True, width=160)
    console.print(render(trace))
    return console.export_text()
