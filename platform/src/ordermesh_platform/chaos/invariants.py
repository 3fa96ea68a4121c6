"""The invariants an order business needs after any faults: each a pure function of the
evidence (``evidence.Evidence``) returning its violations, one line each (none: it holds)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

SETTLED = frozenset({"CONFIRMED", "CANCELLED"})
PAYMENT_REASONS = frozenset({"PAYMENT_DECLINED", "PAYMENT_FAILED"})
DECLINED_CUSTOMERS = "declined"  # the provider simulator declines these customers' cards


@dataclass(frozen=True)
class StoredOrder:
    order_id: str
    status: str
    lines: tuple[tuple[str, int], ...]  # (sku, quantity)
    customer_id: str = "cus_chaos"
    cancel_reason: str | None = None
    cancel_message: str = ""


@dataclass(frozen=True)
class Charge:
    """An authorization in the provider's ledger."""

    order_id: str
    authorization_id: str
    amount: Decimal
    refunded: Decimal = Decimal(0)


@dataclass(frozen=True)
class Reservation:
    order_id: str
    status: str  # ACTIVE, RELEASED, EXPIRED
    lines: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    message_id: str
    cause: str | None  # None: nothing says why it is there


@dataclass
class Evidence:
    """What a run left: the load generator's record and everything the system stored."""

    accepted: dict[str, set[str]] = field(default_factory=dict)  # idempotency key -> order ids
    orders: dict[str, StoredOrder] = field(default_factory=dict)
    charges: list[Charge] = field(default_factory=list)
    initial_stock: dict[str, int] = field(default_factory=dict)  # sku -> on hand at the start
    stock: dict[str, tuple[int, int]] = field(default_factory=dict)  # sku -> (on hand, reserved)
    reservations: dict[str, Reservation] = field(default_factory=dict)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    archived: dict[str, set[str]] = field(default_factory=dict)  # lake table -> event ids
    lake: dict[str, Counter[str]] = field(default_factory=dict)  # lake table -> id -> rows
    accepted_at: dict[str, float] = field(default_factory=dict)  # order id -> first 202 (epoch)
    outage: tuple[float, float] | None = None  # the provider down, to recovered (epoch seconds)


def orders_settled(evidence: Evidence) -> list[str]:
    """Every accepted order reached CONFIRMED or CANCELLED and none is lost; a key answered
    more than once named one order, and the store holds no order that no answer named."""
    found = []
    named: set[str] = set()
    for key, order_ids in sorted(evidence.accepted.items()):
        named |= order_ids
        if len(order_ids) > 1:
            found.append(
                f"key {key} was answered with {len(order_ids)} orders: {sorted(order_ids)}"
            )
        for order_id in sorted(order_ids):
            order = evidence.orders.get(order_id)
            if order is None:
                found.append(f"{order_id} (key {key}) was accepted and is not in the order store")
            elif order.status not in SETTLED:
                found.append(f"{order_id} is still {order.status}")
    found += [
        f"{order_id} is in the order store but no answer named it"
        for order_id in sorted(set(evidence.orders) - named)
    ]
    return found


def payments_consistent(evidence: Evidence) -> list[str]:
    """No capture without a confirmed order, no order charged twice, every cancelled order's
    charge refunded (and a confirmed one's not), and none cancelled for a provider outage."""
    found = []
    by_order: dict[str, list[Charge]] = {}
    for charge in evidence.charges:
        by_order.setdefault(charge.order_id, []).append(charge)
    for order_id, charges in sorted(by_order.items()):
        order = evidence.orders.get(order_id)
        if len(charges) > 1:
            found.append(f"{order_id} was charged {len(charges)} times")
        for charge in charges:
            left = charge.amount - charge.refunded
            if order is None or order.status not in SETTLED:
                status = order.status if order else "unknown"
                found.append(
                    f"{charge.authorization_id} captured for an order {status}: {order_id}"
                )
            elif order.status == "CANCELLED" and left > 0:
                found.append(f"{order_id} is cancelled and {left} of its charge is not refunded")
            elif order.status == "CONFIRMED" and charge.refunded > 0:
                found.append(f"{order_id} is confirmed and {charge.refunded} was refunded")
    return found + _unpaid_or_declined_for_nothing(evidence, by_order)


def _unpaid_or_declined_for_nothing(
    evidence: Evidence, by_order: dict[str, list[Charge]]
) -> list[str]:
    """Confirmed orders with no charge, and good cards' orders cancelled for their payment
    (the provider was down or slow: the saga must wait, not decline)."""
    found = []
    for order_id, order in sorted(evidence.orders.items()):
        if order.status == "CONFIRMED" and order_id not in by_order:
            found.append(f"{order_id} is confirmed and the provider holds no charge for it")
        declinable = DECLINED_CUSTOMERS in order.customer_id.lower()
        if order.cancel_reason in PAYMENT_REASONS and not declinable:
            found.append(
                f"{order_id} was cancelled for its payment ({order.cancel_reason}) though its "
                f"card is good: {order.cancel_message}"
            )
    return found


def outage_orders_completed(evidence: Evidence) -> list[str]:
    """Every order accepted while the provider was out (down, then too slow to answer), whose
    customer's card is good, ended CONFIRMED, or CANCELLED for something other than its payment
    (stock, say): the saga waited for the provider's recovery rather than decline."""
    if evidence.outage is None:
        return []
    start, end = evidence.outage
    found = []
    for order_id, at in sorted(evidence.accepted_at.items()):
        order = evidence.orders.get(order_id)
        if not start <= at <= end or order is None:
            continue  # outside the window; an order not stored is orders_settled's violation
        if DECLINED_CUSTOMERS in order.customer_id.lower():
            continue
        if order.status == "CONFIRMED":
            continue
        if order.status != "CANCELLED" or order.cancel_reason in PAYMENT_REASONS:
            reason = order.cancel_reason and f" ({order.cancel_reason}: {order.cancel_message})"
            found.append(
                f"{order_id} was accepted during the provider outage and is {order.status}"
                f"{reason or ''}"
            )
    return found


def no_oversell(evidence: Evidence) -> list[str]:
    """Stock never below zero, the units taken from stock equal the units of confirmed orders,
    and no reservation is held for an order that did not confirm (a confirmed order's
    reservation is the stock it took: inventory has no shipping step)."""
    found = []
    confirmed = {o for o, order in evidence.orders.items() if order.status == "CONFIRMED"}
    sold: Counter[str] = Counter()
    for order_id in confirmed:
        for sku, quantity in evidence.orders[order_id].lines:
            sold[sku] += quantity
    for sku, (on_hand, reserved) in sorted(evidence.stock.items()):
        if on_hand < 0 or reserved < 0 or reserved > on_hand:
            found.append(f"{sku}: {on_hand} on hand, {reserved} reserved")
        taken = evidence.initial_stock.get(sku, on_hand) - on_hand + reserved
        if taken != sold[sku]:
            found.append(f"{sku}: {taken} units taken from stock, {sold[sku]} confirmed")
    for order_id, reservation in sorted(evidence.reservations.items()):
        held = reservation.status == "ACTIVE"
        if held and order_id not in confirmed:
            order = evidence.orders.get(order_id)
            status = order.status if order else "not in the order store"
            found.append(f"{order_id} holds a reservation and is {status}")
    found += [
        f"{order_id} is confirmed without a reservation held"
        for order_id in sorted(confirmed)
        if getattr(evidence.reservations.get(order_id), "status", None) != "ACTIVE"
    ]
    return found


def dead_letters_explained(evidence: Evidence) -> list[str]:
    """Every dead-letter message says why it is there."""
    return [
        f"{letter.queue}: {letter.message_id} has no cause"
        for letter in evidence.dead_letters
        if not letter.cause
    ]


def lake_exactly_once(evidence: Evidence) -> list[str]:
    """The lake holds every archived event exactly once (and nothing the archive does not)."""
    found = []
    for table in sorted(set(evidence.archived) | set(evidence.lake)):
        archived = evidence.archived.get(table, set())
        rows = evidence.lake.get(table, Counter())
        missing = archived - set(rows)
        if missing:
            found.append(f"{table}: {len(missing)} archived events missing, e.g. {min(missing)}")
        found += [
            f"{table}: {i} is in the lake {n} times" for i, n in sorted(rows.items()) if n > 1
        ]
        extra = set(rows) - archived
        if extra:
            found.append(f"{table}: {len(extra)} events not in the archive, e.g. {min(extra)}")
    return found


Invariant = Callable[[Evidence], list[str]]

INVARIANTS: dict[str, Invariant] = {
    "every accepted order settled, none lost": orders_settled,
    "payments: no capture unconfirmed, no double charge, refunds": payments_consistent,
    "orders placed during the provider outage completed after it": outage_orders_completed,
    "no oversell, no reservation held for an unconfirmed order": no_oversell,
    "every dead-letter message has its cause": dead_letters_explained,
    "the lake holds every archived event exactly once": lake_exactly_once,
}


def check(evidence: Evidence) -> dict[str, list[str]]:
    """Each invariant's violations."""
    return {name: invariant(evidence) for name, invariant in INVARIANTS.items()}
