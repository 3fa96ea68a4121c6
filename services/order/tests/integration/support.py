"""What the unit-of-work tests share: the stores as the tests see them (units of work, and the
outbox as a store or a relay reads it), orders and outbox messages to write, and a DynamoDB item
as it is stored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from order_service.adapters.dynamodb import DynamoDbDatabase
from order_service.adapters.ports import OutboxMessage, UnitOfWork
from order_service.domain.order import Address, LineRequest, Order

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ADDRESS = Address("Ana Ferreira", "Rua Augusta 27", "Lisboa", "1100-048", "PT", line2="2 esq")
REGION = "us-east-1"
TABLE = "ordermesh-order"

MakeUow = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class Store:
    """Units of work on one store, and the event ids its outbox holds (committed, unpublished,
    oldest first)."""

    uow: MakeUow
    events: Callable[[], list[str]]


@dataclass(frozen=True)
class Relay:
    """What an outbox relay uses: unpublished messages (oldest first) with the handles
    ``publish`` takes."""

    uow: MakeUow
    pending: Callable[[int], list[tuple[Any, OutboxMessage]]]
    publish: Callable[[list[Any]], None]


def _order(order_id: str, customer: str = "cus_8H2KQ1", minutes: int = 0) -> Order:
    order = Order.place(
        order_id=order_id,
        customer_id=customer,
        currency="EUR",
        lines=[LineRequest("MUG-BLUE-350", 2, "12.50", "EUR")],
        shipping_address=ADDRESS,
        placed_at=NOW + timedelta(minutes=minutes),
        known_sku=lambda _sku: True,
    )
    order.take_events()
    return order


def _message(event_id: str) -> OutboxMessage:
    return OutboxMessage(event_id, "OrderPlaced@2", {"orderId": "x"}, "ord_1", "req-1", NOW)


def _add(make_uow: MakeUow, *orders: Order) -> None:
    with make_uow() as uow:
        for order in orders:
            uow.orders.add(order)
        uow.commit()


def _queue(make_uow: MakeUow, *event_ids: str) -> None:
    with make_uow() as uow:
        for event_id in event_ids:
            uow.outbox.add(_message(event_id))
        uow.commit()


def _item(table: DynamoDbDatabase, pk: str, sk: str) -> dict[str, Any]:
    response = table.client.get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": sk}})
    item: dict[str, Any] = response.get("Item", {})
    return item
