"""The order use cases: place an order, read orders, and apply the saga's outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from order_service.adapters.ports import (
    Catalog,
    Clock,
    ConcurrentChange,
    IdempotencyRecord,
    Ids,
    Page,
    UnitOfWork,
)
from order_service.domain.order import Cancellation, Confirmation, Order
from order_service.service_layer.commands import (
    CancelOrder,
    ConfirmOrder,
    PlaceOrder,
    RecordSagaStep,
)
from order_service.service_layer.messages import outbox_messages

_Change = Callable[[Order], None]
ATTEMPTS = 5  # tries of a change that lost a race with another writer
MAX_PAGE = 100


class IdempotencyConflict(Exception):  # noqa: N818 - a conflict, as HTTP 409 names it
    """The idempotency key was used before with a different order."""


class OrderNotFound(LookupError):  # noqa: N818 - a domain word
    pass


@dataclass(frozen=True)
class Placed:
    order: Order
    created: bool  # False: the idempotency key's earlier order


@dataclass(frozen=True)
class Ports:
    uow: UnitOfWork
    catalog: Catalog
    clock: Clock
    ids: Ids


def place_order(command: PlaceOrder, ports: Ports) -> Placed:
    """Store a new PENDING order and its OrderPlaced events in one unit of work. With an
    idempotency key, the same order again returns the first one; another order, a conflict."""
    fingerprint = command.fingerprint()
    for _ in range(ATTEMPTS):
        with ports.uow as uow:
            if command.idempotency_key is not None:
                earlier = uow.keys.get(command.idempotency_key)
                if earlier is not None:
                    return _replayed(earlier, fingerprint, uow)
            order = _new_order(command, ports)
            messages = outbox_messages(
                order, order.take_events(), causation_id=command.request_id, ids=ports.ids
            )
            try:
                uow.orders.add(order)
                if command.idempotency_key is not None:
                    record = IdempotencyRecord(command.idempotency_key, fingerprint, order.order_id)
                    uow.keys.add(record)
                for message in messages:
                    uow.outbox.add(message)
                uow.commit()
            except ConcurrentChange:
                continue  # the key was taken meanwhile (or the id clashed): look again
            return Placed(order, created=True)
    msg = "the order could not be stored: too many concurrent changes"
    raise ConcurrentChange(msg)


def _new_order(command: PlaceOrder, ports: Ports) -> Order:
    return Order.place(
        order_id=ports.ids.order_id(),
        customer_id=command.customer_id,
        currency=command.currency,
        lines=command.lines,
        shipping_address=command.shipping_address,
        placed_at=ports.clock.now(),
        known_sku=ports.catalog.known,
    )


def _replayed(earlier: IdempotencyRecord, fingerprint: str, uow: UnitOfWork) -> Placed:
    if earlier.fingerprint != fingerprint:
        msg = f"idempotency key {earlier.key!r} was used for another order ({earlier.order_id})"
        raise IdempotencyConflict(msg)
    order = uow.orders.get(earlier.order_id)
    if order is None:  # the key and its order are written together: this cannot be
        msg = f"order {earlier.order_id} of idempotency key {earlier.key!r} is missing"
        raise OrderNotFound(msg)
    return Placed(order, created=False)


def get_order(order_id: str, uow: UnitOfWork) -> Order:
    with uow:
        order = uow.orders.get(order_id)
    if order is None:
        raise OrderNotFound(order_id)
    return order


def list_orders(customer_id: str, uow: UnitOfWork, *, limit: int, token: str | None) -> Page:
    with uow:
        return uow.orders.by_customer(customer_id, limit=min(max(limit, 1), MAX_PAGE), token=token)


def confirm_order(command: ConfirmOrder, ports: Ports) -> Order:
    confirmation = Confirmation(command.reservation_id, command.payment_id)
    return _change(
        command.order_id,
        command.causation_id,
        ports,
        lambda order: order.confirm(confirmation, ports.clock.now()),
    )


def cancel_order(command: CancelOrder, ports: Ports) -> Order:
    cancellation = Cancellation(command.reason, command.message, command.compensated)
    return _change(
        command.order_id,
        command.causation_id,
        ports,
        lambda order: order.cancel(cancellation, ports.clock.now()),
    )


def record_saga_step(command: RecordSagaStep, ports: Ports) -> Order:
    return _change(
        command.order_id,
        command.causation_id,
        ports,
        lambda order: order.record_step(command.step, ports.clock.now()),
    )


def _change(order_id: str, causation_id: str, ports: Ports, change: _Change) -> Order:
    """Read, change, save with its events; again from the read if another writer won."""
    for _ in range(ATTEMPTS):
        with ports.uow as uow:
            order = uow.orders.get(order_id)
            if order is None:
                raise OrderNotFound(order_id)
            change(order)
            events = order.take_events()
            if not events:
                return order  # nothing changed (a re-delivered outcome)
            messages = outbox_messages(order, events, causation_id=causation_id, ids=ports.ids)
            try:
                uow.orders.save(order)
                for message in messages:
                    uow.outbox.add(message)
                uow.commit()
            except ConcurrentChange:
                continue
            return order
    msg = f"order {order_id} could not be changed: too many concurrent changes"
    raise ConcurrentChange(msg)
