"""A ReserveInventory that inventory handles after the saga stopped waiting for its reply."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

from ordermesh_platform.runtime.status import dead_letter_queues
from ordermesh_platform.shared.clock import ManualClock

from tests.e2e.conftest import Client, order_body, start_system, wait_for
from tests.e2e.test_order_saga import idle


def test_a_reservation_answered_after_the_saga_timed_out_holds_no_stock(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())
    system = start_system(tmp_path, clock=clock)
    try:
        client = Client(system)
        bus = system.runtime.bus
        rule, _ = bus.describe_rule("inventory-reserve")
        bus.put_rule(replace(rule, state="DISABLED"))  # inventory stalls on ReserveInventory
        # Given an order whose saga waits for inventory's reservation
        placed = client.place(order_body(quantity=2))
        order_id = placed["orderId"]
        wait_for(
            lambda: (
                client.request("GET", f"/sagas/{order_id}")[1].get("currentStep")
                == "ReserveInventory"
            ),
            20,
            "the saga to wait for inventory",
        )
        # When the saga's reply timeout passes
        clock.advance(61)
        order = client.settled(order_id)
        # Then the order is cancelled and the compensation releases the reservation
        assert order["status"] == "CANCELLED"
        assert order["cancellation"]["reason"] == "SAGA_TIMED_OUT"
        saga = client.saga(order_id)
        assert [(c["step"], c["status"]) for c in saga["compensations"]] == [
            ("ReleaseInventory", "COMPLETED")
        ]
        # And when inventory handles the ReserveInventory late (twice: a redelivery too)
        bus.put_rule(rule)
        command = next(
            event
            for event in bus.archived()
            if event["detail-type"] == "ReserveInventory"
            and event["detail"]["data"]["orderId"] == order_id
        )
        entry = {
            "Source": command["source"],
            "DetailType": command["detail-type"],
            "Detail": json.dumps(command["detail"]),
            "EventBusName": "ordermesh",
        }
        for _ in range(2):
            assert bus.put_events([entry]).failed_entry_count == 0
        wait_for(lambda: idle(system), 20, "inventory to handle the late ReserveInventory")
        # Then it holds nothing, and nothing failed on the way
        assert client.stock("BOOK-0001")["reserved"] == 0
        assert all(q.messages == 0 for q in dead_letter_queues(system.runtime))
        assert client.order(order_id)["status"] == "CANCELLED"
    finally:
        system.stop()
