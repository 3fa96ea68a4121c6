"""The chaos run's drain waits for the work under way, not for the inboxes people read."""

from __future__ import annotations

from ordermesh_platform.chaos.run import busy_queues
from ordermesh_platform.runtime.queues import QueueDepth

EMPTY = QueueDepth(visible=0, in_flight=0, delayed=0)


def test_a_queue_the_system_reads_is_busy_while_it_holds_messages() -> None:
    depths = {
        "order-events": QueueDepth(visible=0, in_flight=2, delayed=0),
        "inventory-commands": QueueDepth(visible=0, in_flight=0, delayed=1),
        "payment-commands": EMPTY,
    }
    read = {"order-events", "inventory-commands", "payment-commands"}
    assert busy_queues(depths, read) == ["order-events", "inventory-commands"]


def test_a_queue_nobody_in_the_system_reads_is_an_inbox_not_work() -> None:
    depths = {
        "platform-ordermesh-alerts-oncall": QueueDepth(visible=3, in_flight=0, delayed=0),
        "order-events-dlq": QueueDepth(visible=1, in_flight=0, delayed=0),
    }
    assert busy_queues(depths, {"order-events"}) == []
