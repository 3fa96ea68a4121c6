"""The Order aggregate: what a customer ordered, and where the order stands.

An order is placed PENDING and ends CONFIRMED (the saga reserved the stock and authorized the
payment) or CANCELLED (with a reason and the compensations that ran). Both ends are final;
applying the same end again changes nothing, so a re-delivered outcome is harmless.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from order_service.domain.errors import FieldProblem, IllegalTransition, InvalidOrder
from order_service.domain.events import (
    DomainEvent,
    OrderCancelled,
    OrderConfirmed,
    OrderPlaced,
    SagaStepRecorded,
)
from order_service.domain.money import Money, MoneyError

SKU = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")
MAX_LINES = 100
MAX_QUANTITY = 1000


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


class CancelReason(StrEnum):
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    RESERVATION_EXPIRED = "RESERVATION_EXPIRED"
    CUSTOMER_REQUESTED = "CUSTOMER_REQUESTED"
    SAGA_TIMED_OUT = "SAGA_TIMED_OUT"


@dataclass(frozen=True)
class LineRequest:
    """A line as a client asks for it, before it is checked."""

    sku: str
    quantity: int
    unit_price: str  # decimal text
    currency: str


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int
    unit_price: Money

    @property
    def total(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Cancellation:
    reason: CancelReason
    message: str
    compensated: tuple[str, ...] = ()


@dataclass(frozen=True)
class Confirmation:
    reservation_id: str
    payment_id: str


@dataclass(frozen=True)
class SagaStep:
    """A step of the order's saga as the order service heard of it."""

    name: str  # e.g. "InventoryReserved", "PaymentAuthorized", "InventoryReleased"
    at: datetime


@dataclass
class Order:
    order_id: str
    customer_id: str
    currency: str
    lines: tuple[OrderLine, ...]
    shipping_address: Address
    placed_at: datetime
    status: OrderStatus = OrderStatus.PENDING
    updated_at: datetime | None = None
    confirmation: Confirmation | None = None
    cancellation: Cancellation | None = None
    steps: tuple[SagaStep, ...] = ()
    version: int = 0  # storage's optimistic concurrency counter
    events: list[DomainEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def place(  # noqa: PLR0913 - an order's parts
        cls,
        *,
        order_id: str,
        customer_id: str,
        currency: str,
        lines: Sequence[LineRequest],
        shipping_address: Address,
        placed_at: datetime,
        known_sku: Callable[[str], bool],
    ) -> Order:
        """A new PENDING order, or ``InvalidOrder`` naming every problem."""
        checked = _check_lines(currency, lines, known_sku)
        order = cls(
            order_id=order_id,
            customer_id=customer_id,
            currency=currency,
            lines=checked,
            shipping_address=shipping_address,
            placed_at=placed_at,
            updated_at=placed_at,
        )
        order.events.append(OrderPlaced(order_id=order_id, at=placed_at))
        return order

    @property
    def total(self) -> Money:
        total = Money.zero(self.currency)
        for line in self.lines:
            total += line.total
        return total

    def confirm(self, confirmation: Confirmation, at: datetime) -> None:
        """The saga succeeded. Confirming a confirmed order again changes nothing."""
        if self._settle(OrderStatus.CONFIRMED, at):
            self.confirmation = confirmation
            self.events.append(OrderConfirmed(order_id=self.order_id, at=at))

    def cancel(self, cancellation: Cancellation, at: datetime) -> None:
        """The saga failed (or the customer cancelled a pending order). Cancelling a
        cancelled order again changes nothing."""
        if self._settle(OrderStatus.CANCELLED, at):
            self.cancellation = cancellation
            self.events.append(OrderCancelled(order_id=self.order_id, at=at))

    def _settle(self, end: OrderStatus, at: datetime) -> bool:
        """Move a PENDING order to ``end``; False if it is there already."""
        if self.status is end:
            return False
        if self.status is not OrderStatus.PENDING:
            verb = "confirmed" if end is OrderStatus.CONFIRMED else "cancelled"
            msg = f"order {self.order_id} is {self.status.lower()}; it cannot be {verb}"
            raise IllegalTransition(msg)
        self.status, self.updated_at = end, at
        return True

    def record_step(self, name: str, at: datetime) -> None:
        """Note a saga step the order service heard of (once per step name)."""
        if any(step.name == name for step in self.steps):
            return
        self.steps = (*self.steps, SagaStep(name, at))
        self.updated_at = max(self.updated_at or at, at)
        self.events.append(SagaStepRecorded(order_id=self.order_id, at=at, step=name))

    def take_events(self) -> list[DomainEvent]:
        events, self.events = self.events, []
        return events

    def copy(self) -> Order:
        """A detached copy (for stores that hand out copies, as a database would)."""
        return replace(self, events=[])


def _check_lines(
    currency: str, lines: Sequence[LineRequest], known_sku: Callable[[str], bool]
) -> tuple[OrderLine, ...]:
    problems: list[FieldProblem] = []
    try:
        Money.zero(currency)
    except MoneyError as err:
        problems.append(FieldProblem("currency", str(err)))
    if not 1 <= len(lines) <= MAX_LINES:
        problems.append(FieldProblem("lines", f"an order has 1 to {MAX_LINES} lines"))
    checked: list[OrderLine] = []
    seen: dict[str, int] = {}
    for index, line in enumerate(lines):
        line_problems = _check_line(f"lines[{index}]", currency, line, known_sku)
        if line.sku in seen:
            line_problems.append(
                FieldProblem(
                    f"lines[{index}].sku", f"{line.sku} is already on lines[{seen[line.sku]}]"
                )
            )
        seen.setdefault(line.sku, index)
        if line_problems:
            problems += line_problems
        else:
            checked.append(OrderLine(line.sku, line.quantity, Money.of(line.unit_price, currency)))
    if problems:
        raise InvalidOrder(problems)
    return tuple(checked)


def _check_line(
    where: str, currency: str, line: LineRequest, known_sku: Callable[[str], bool]
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if not SKU.match(line.sku):
        problems.append(FieldProblem(f"{where}.sku", f"{line.sku!r} is not a SKU"))
    elif not known_sku(line.sku):
        problems.append(FieldProblem(f"{where}.sku", f"unknown SKU {line.sku}"))
    if not 1 <= line.quantity <= MAX_QUANTITY:
        problems.append(
            FieldProblem(f"{where}.quantity", f"must be 1 to {MAX_QUANTITY}, was {line.quantity}")
        )
    if line.currency != currency:
        problems.append(
            FieldProblem(
                f"{where}.unitPrice.currency",
                f"{line.currency} differs from the order's currency {currency}",
            )
        )
    try:
        price = Money.of(line.unit_price, line.currency)
    except MoneyError as err:
        problems.append(FieldProblem(f"{where}.unitPrice.amount", str(err)))
    else:
        if price.is_negative():
            problems.append(FieldProblem(f"{where}.unitPrice.amount", "must not be negative"))
    return problems
