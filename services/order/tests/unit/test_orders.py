"""Order use cases against the in-memory fakes: Given / When / Then."""

from __future__ import annotations

import threading
from dataclasses import replace
from decimal import Decimal

import pytest
from order_service.adapters.memory import MemoryDatabase, MemoryUnitOfWork
from order_service.adapters.ports import ConcurrentChange
from order_service.domain.errors import InvalidOrder
from order_service.domain.order import Address, CancelReason, LineRequest, OrderStatus
from order_service.service_layer.commands import CancelOrder, ConfirmOrder, RecordSagaStep
from order_service.service_layer.orders import (
    IdempotencyConflict,
    OrderNotFound,
    Ports,
    cancel_order,
    confirm_order,
    get_order,
    list_orders,
    place_order,
    record_saga_step,
)

from .conftest import place


def test_placing_an_order_stores_it_with_order_placed_v1_and_v2(
    ports: Ports, db: MemoryDatabase
) -> None:
    placed = place_order(place(), ports)
    assert placed.created
    assert get_order(placed.order.order_id, ports.uow).status is OrderStatus.PENDING
    assert [m.ref for m in db.outbox] == ["OrderPlaced@1", "OrderPlaced@2"]
    v1, v2 = (m.data for m in db.outbox)
    assert v1["total"] == 32.9
    assert v1["lines"][0] == {"sku": "MUG-BLUE-350", "quantity": 2, "unitPrice": 12.5}
    assert v2["total"] == {"amount": "32.90", "currency": "EUR"}
    assert v2["shippingAddress"]["postalCode"] == "1100-048"
    assert {m.correlation_id for m in db.outbox} == {placed.order.order_id}
    assert {m.causation_id for m in db.outbox} == {"req-1"}


def test_an_invalid_order_writes_nothing(ports: Ports, db: MemoryDatabase) -> None:
    bad = place(lines=(LineRequest("MUG-BLUE-350", 0, "12.50", "EUR"),))
    with pytest.raises(InvalidOrder):
        place_order(bad, ports)
    assert (db.orders, db.keys, db.outbox) == ({}, {}, [])


def test_the_same_key_and_order_again_returns_the_first_order(
    ports: Ports, db: MemoryDatabase
) -> None:
    first = place_order(place("key-1"), ports)
    again = place_order(place("key-1", request_id="req-2"), ports)
    assert not again.created
    assert again.order.order_id == first.order.order_id
    assert len(db.orders) == 1
    assert len(db.outbox) == 2, "no second OrderPlaced"


def test_the_same_key_with_another_order_is_a_conflict(ports: Ports, db: MemoryDatabase) -> None:
    place_order(place("key-1"), ports)
    other = place("key-1", lines=(LineRequest("MUG-BLUE-350", 5, "12.50", "EUR"),))
    with pytest.raises(IdempotencyConflict, match="key-1"):
        place_order(other, ports)
    assert len(db.orders) == 1


def test_concurrent_requests_with_one_key_make_one_order(ports: Ports, db: MemoryDatabase) -> None:
    results: list[str] = []
    barrier = threading.Barrier(8)

    def request() -> None:
        own = replace(ports, uow=MemoryUnitOfWork(db))  # each request its own unit of work
        barrier.wait()
        results.append(place_order(place("key-1"), own).order.order_id)

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    assert len(set(results)) == 1
    assert len(db.orders) == 1
    assert len(db.outbox) == 2


def test_the_saga_outcome_confirms_once_even_when_delivered_twice(
    ports: Ports, db: MemoryDatabase
) -> None:
    order_id = place_order(place(), ports).order.order_id
    command = ConfirmOrder(order_id, "res_00000001", "pay_00000001", causation_id="evt-1")
    confirm_order(command, ports)
    confirm_order(command, ports)
    order = get_order(order_id, ports.uow)
    assert order.status is OrderStatus.CONFIRMED
    assert order.version == 1
    confirmed = [m for m in db.outbox if m.ref == "OrderConfirmed@1"]
    assert len(confirmed) == 1
    assert confirmed[0].data == {
        "orderId": order_id,
        "customerId": "cus_8H2KQ1",
        "total": {"amount": "32.90", "currency": "EUR"},
        "reservationId": "res_00000001",
        "paymentId": "pay_00000001",
    }
    assert confirmed[0].causation_id == "evt-1"


def test_a_failed_saga_cancels_with_the_reason_and_the_compensations(
    ports: Ports, db: MemoryDatabase
) -> None:
    order_id = place_order(place(), ports).order.order_id
    command = CancelOrder(
        order_id,
        CancelReason.PAYMENT_DECLINED,
        "card declined",
        ("ReleaseInventory",),
        causation_id="evt-2",
    )
    order = cancel_order(command, ports)
    assert order.status is OrderStatus.CANCELLED
    [cancelled] = [m.data for m in db.outbox if m.ref == "OrderCancelled@1"]
    assert cancelled["reason"] == {"code": "PAYMENT_DECLINED", "message": "card declined"}
    assert cancelled["compensated"] == ["ReleaseInventory"]


def test_a_change_that_loses_a_race_is_made_again_on_the_new_version(
    ports: Ports, db: MemoryDatabase
) -> None:
    order_id = place_order(place(), ports).order.order_id
    stale = db.orders[order_id].copy()
    record_saga_step(RecordSagaStep(order_id, "InventoryReserved", "evt-3"), ports)
    with MemoryUnitOfWork(db) as uow:  # a writer that read before the step was recorded
        stale.record_step("PaymentAuthorized", ports.clock.now())
        uow.orders.save(stale)
        with pytest.raises(ConcurrentChange):
            uow.commit()
    record_saga_step(RecordSagaStep(order_id, "PaymentAuthorized", "evt-4"), ports)
    steps = [step.name for step in get_order(order_id, ports.uow).steps]
    assert steps == ["InventoryReserved", "PaymentAuthorized"]


def test_orders_are_listed_by_customer_newest_first_in_pages(ports: Ports) -> None:
    ids = []
    for _ in range(5):
        ids.append(place_order(place(), ports).order.order_id)
        ports.clock.advance(1)  # type: ignore[attr-defined]
    place_order(place(customer_id="cus_OTHER1"), ports)
    first = list_orders("cus_8H2KQ1", ports.uow, limit=2, token=None)
    second = list_orders("cus_8H2KQ1", ports.uow, limit=2, token=first.next_token)
    third = list_orders("cus_8H2KQ1", ports.uow, limit=2, token=second.next_token)
    listed = [o.order_id for page in (first, second, third) for o in page.orders]
    assert listed == ids[::-1]
    assert third.next_token is None


def test_an_unknown_order_is_not_found(ports: Ports) -> None:
    with pytest.raises(OrderNotFound):
        get_order("ord_00000099", ports.uow)
    with pytest.raises(OrderNotFound):
        confirm_order(ConfirmOrder("ord_00000099", "res_1", "pay_1", "evt"), ports)


def test_totals_are_exact_decimals(ports: Ports) -> None:
    lines = tuple(LineRequest(sku, 3, "0.10", "EUR") for sku in ("MUG-BLUE-350", "KETTLE-STEEL-1L"))
    order = place_order(place(lines=lines), ports).order
    assert order.total.amount == Decimal("0.60")


def test_the_request_fingerprint_is_stable() -> None:
    """Stored with each idempotency key: a new digest for the same request would turn every
    retry across an upgrade into a conflict."""
    assert place().fingerprint() == (
        "d48e3024d2e99b354410f119a2e5948570cb88deaf575c590b8964bc49e947db"
    )
    away = Address("Ana", "R", "L", "1", "PT", line2="2º esq", region="x")
    assert place(shipping_address=away).fingerprint() == (
        "1a46e286a9e2d231a51be3ff57163f014303eec03bf37047e27877bb4be22892"
    )
    assert place(request_id="req-2", key="k").fingerprint() == place().fingerprint()
