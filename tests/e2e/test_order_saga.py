"""End to end on the local runtime, through the public HTTP APIs and the bus only."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.system import LocalSystem

from tests.e2e.conftest import Client, charges_per_order, order_body, start_system, wait_for


def test_happy_path_an_order_is_confirmed_reserved_and_charged_once(
    client: Client, system: LocalSystem
) -> None:
    # Given stocked inventory, when a client places an order
    before = client.stock("BOOK-0001")
    placed = client.place(order_body(quantity=2))
    # Then it is accepted as PENDING and the saga confirms it
    assert placed["status"] == "PENDING"
    order = client.settled(placed["orderId"])
    assert order["status"] == "CONFIRMED"
    assert order["total"] == {"amount": "79.80", "currency": "EUR"}
    assert {s["step"] for s in order["sagaProgress"]} == {"InventoryReserved", "PaymentAuthorized"}
    saga = client.saga(placed["orderId"])
    assert saga["status"] == "SUCCEEDED"
    assert [s["step"] for s in saga["steps"]] == [
        "ReserveInventory",
        "AuthorizePayment",
        "ConfirmOrder",
    ]
    assert saga["compensations"] == []
    assert client.stock("BOOK-0001")["reserved"] == before["reserved"] + 2
    assert charges_per_order(system) == {placed["orderId"]: 1}


def test_out_of_stock_is_cancelled_without_any_charge(client: Client, system: LocalSystem) -> None:
    placed = client.place(order_body(sku="LIMITED-01", quantity=5, price="250.00"))
    order = client.settled(placed["orderId"])
    assert order["status"] == "CANCELLED"
    assert order["cancellation"]["reason"] == "INSUFFICIENT_STOCK"
    saga = client.saga(placed["orderId"])
    assert saga["status"] == "FAILED"
    assert [s["step"] for s in saga["steps"]] == ["ReserveInventory"]
    assert charges_per_order(system) == {}
    assert client.stock("LIMITED-01")["reserved"] == 0


def test_a_declined_payment_releases_the_inventory(client: Client, system: LocalSystem) -> None:
    placed = client.place(order_body(customer="cus_declinedfunds1", quantity=3))
    order = client.settled(placed["orderId"])
    assert order["status"] == "CANCELLED"
    assert order["cancellation"]["reason"] == "PAYMENT_DECLINED"
    assert order["cancellation"]["compensated"] == ["ReleaseInventory"]
    saga = client.saga(placed["orderId"])
    assert [(c["step"], c["status"]) for c in saga["compensations"]] == [
        ("ReleaseInventory", "COMPLETED")
    ]
    assert client.stock("BOOK-0001")["reserved"] == 0
    assert charges_per_order(system) == {}


def published(system: LocalSystem, detail_type: str) -> set[str]:
    """The ``metadata.eventId`` of every ``detail_type`` event the bus accepted (a replayed
    event carries its original's; a reply published again would carry a new one)."""
    rows = system.runtime.store.connection().execute(
        "SELECT event FROM archive WHERE detail_type = ?", (detail_type,)
    )
    return {json.loads(row["event"])["detail"]["metadata"]["eventId"] for row in rows}


def idle(system: LocalSystem) -> bool:
    runtime = system.runtime
    depths = [runtime.queues.depth(q) for q in runtime.queues.names() if not q.endswith("-dlq")]
    busy = any(d.visible or d.in_flight for d in depths)
    return not busy and not runtime.functions.pending()


def test_the_same_idempotency_key_makes_one_order_and_one_charge(
    client: Client, system: LocalSystem
) -> None:
    first = client.place(order_body(), key="checkout-42")
    again = client.place(order_body(), key="checkout-42")
    assert again["orderId"] == first["orderId"]
    status, problem, _ = client.request(
        "POST", "/orders", order_body(quantity=9), {"Idempotency-Key": "checkout-42"}
    )
    assert status == 409
    assert problem["status"] == 409
    assert client.settled(first["orderId"])["status"] == "CONFIRMED"
    status, page, _ = client.request("GET", "/orders?customerId=cus_alice01")
    assert [o["orderId"] for o in page["items"]] == [first["orderId"]]
    assert charges_per_order(system) == {first["orderId"]: 1}


def test_concurrent_posts_with_one_idempotency_key_get_one_order_and_one_charge(
    client: Client, system: LocalSystem
) -> None:
    """Posts sent at once over HTTP to the running system. The local runtime runs the order
    function one invocation at a time (as one Lambda execution environment does), so here they
    queue up at the function and never race inside the use case: what this shows is the HTTP
    API's answer to concurrent same-key posts. The race inside the use case is the order
    service's unit-of-work tests' to show."""
    racers = 8
    start = threading.Barrier(racers)

    def post(_: int) -> tuple[int, Any, dict[str, str]]:
        start.wait()
        return client.request("POST", "/orders", order_body(), {"Idempotency-Key": "checkout-7"})

    # When a checkout's posts of one order, with one key, arrive at the same time
    with ThreadPoolExecutor(racers) as pool:
        answers = list(pool.map(post, range(racers)))
    # Then every post is accepted with the same order, as for a repeated key one after the other
    assert [status for status, _, _ in answers] == [202] * racers, answers
    order_ids = {answer["orderId"] for _, answer, _ in answers}
    assert len(order_ids) == 1, order_ids
    (order_id,) = order_ids
    # And there is one order, confirmed and charged once
    assert client.settled(order_id)["status"] == "CONFIRMED"
    _, page, _ = client.request("GET", "/orders?customerId=cus_alice01")
    assert [o["orderId"] for o in page["items"]] == [order_id]
    assert charges_per_order(system) == {order_id: 1}


def test_every_event_delivered_twice_reserves_and_charges_once(
    client: Client, system: LocalSystem
) -> None:
    placed = client.place(order_body(quantity=4))
    assert client.settled(placed["orderId"])["status"] == "CONFIRMED"
    reserved = client.stock("BOOK-0001")["reserved"]
    replies = {kind: published(system, kind) for kind in ("InventoryReserved", "PaymentAuthorized")}
    assert all(len(ids) == 1 for ids in replies.values()), replies
    # When every archived event (order, commands, replies, outcomes) is delivered again
    bus = system.runtime.bus
    replay = bus.replay("again", 0, time.time() + 1)
    assert replay.events_replayed >= 8
    time.sleep(0.5)
    wait_for(lambda: idle(system), 20, "the redeliveries to be handled")
    # Then nothing is reserved or charged twice, and the order stays confirmed
    assert client.stock("BOOK-0001")["reserved"] == reserved
    assert charges_per_order(system) == {placed["orderId"]: 1}
    assert client.order(placed["orderId"])["status"] == "CONFIRMED"
    assert client.saga(placed["orderId"])["status"] == "SUCCEEDED"
    # And the commands' handlers did not even run again: no reply was published a second time
    # (each service's idempotency records know the commands' event ids)
    assert {kind: published(system, kind) for kind in replies} == replies


def test_a_service_that_never_replies_times_the_saga_out_and_compensates(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())
    system = start_system(tmp_path, clock=clock)
    try:
        client = Client(system)
        bus = system.runtime.bus
        rule, _ = bus.describe_rule("payment-authorize")
        bus.put_rule(replace(rule, state="DISABLED"))  # payment never hears AuthorizePayment
        placed = client.place(order_body(quantity=2))
        path = f"/sagas/{placed['orderId']}"
        wait_for(
            lambda: client.request("GET", path)[1].get("currentStep") == "AuthorizePayment",
            20,
            "the saga to wait for payment",
        )
        clock.advance(901)  # past the AuthorizePayment wait
        order = client.settled(placed["orderId"])
        assert order["status"] == "CANCELLED"
        assert order["cancellation"]["reason"] == "SAGA_TIMED_OUT"
        saga = client.saga(placed["orderId"])
        assert saga["steps"][-1]["status"] == "TIMED_OUT"
        assert [(c["step"], c["status"]) for c in saga["compensations"]] == [
            ("RefundPayment", "COMPLETED"),
            ("ReleaseInventory", "COMPLETED"),
        ]
        assert client.stock("BOOK-0001")["reserved"] == 0
        assert charges_per_order(system) == {}
    finally:
        system.stop()
