"""Each invariant on small hand-made evidence: one that holds, and one that breaks it."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from ordermesh_platform.chaos.invariants import (
    Charge,
    DeadLetter,
    Evidence,
    Reservation,
    StoredOrder,
    check,
    dead_letters_explained,
    lake_exactly_once,
    no_oversell,
    orders_settled,
    payments_consistent,
)

LINE = (("BOOK-0001", 2),)


def settled() -> Evidence:
    """Two orders: one confirmed (charged, stock reserved), one declined (nothing held)."""
    return Evidence(
        accepted={"k1": {"ord_1"}, "k2": {"ord_2"}},
        orders={
            "ord_1": StoredOrder("ord_1", "CONFIRMED", LINE),
            "ord_2": StoredOrder(
                "ord_2", "CANCELLED", LINE, "cus_declined2", "PAYMENT_DECLINED", "declined"
            ),
        },
        charges=[Charge("ord_1", "auth_1", Decimal("79.80"))],
        initial_stock={"BOOK-0001": 10},
        stock={"BOOK-0001": (10, 2)},
        reservations={
            "ord_1": Reservation("ord_1", "ACTIVE", LINE),
            "ord_2": Reservation("ord_2", "RELEASED", LINE),
        },
        dead_letters=[DeadLetter("payment-authorize-dlq", "m1", "received 5 times")],
        archived={"order_placed_v2": {"e1", "e2"}},
        lake={"order_placed_v2": Counter({"e1": 1, "e2": 1})},
    )


def test_a_settled_run_violates_nothing() -> None:
    assert all(found == [] for found in check(settled()).values())


def test_a_pending_a_lost_and_a_double_submitted_order_are_violations() -> None:
    evidence = settled()
    evidence.accepted["k3"] = {"ord_3"}  # accepted, never stored
    evidence.accepted["k1"] = {"ord_1", "ord_9"}  # one key, two orders
    evidence.orders["ord_2"] = StoredOrder("ord_2", "PENDING", LINE)
    evidence.orders["ord_8"] = StoredOrder("ord_8", "CONFIRMED", LINE)  # no answer named it

    found = orders_settled(evidence)

    assert any("ord_3" in v and "not in the order store" in v for v in found)
    assert any("key k1" in v for v in found)
    assert any("ord_2 is still PENDING" in v for v in found)
    assert any("ord_8" in v and "no answer named it" in v for v in found)


def test_double_charges_unrefunded_cancellations_and_outage_declines_are_violations() -> None:
    evidence = settled()
    evidence.charges.append(Charge("ord_1", "auth_2", Decimal("79.80")))  # charged twice
    evidence.orders["ord_3"] = StoredOrder(
        "ord_3", "CANCELLED", LINE, "cus_good3", "PAYMENT_FAILED"
    )
    evidence.charges.append(Charge("ord_3", "auth_3", Decimal(10), Decimal(4)))

    found = payments_consistent(evidence)

    assert "ord_1 was charged 2 times" in found
    assert any("ord_3 is cancelled and 6 of its charge is not refunded" in v for v in found)
    assert any("ord_3 was cancelled for its payment" in v for v in found)


def test_a_capture_without_a_confirmed_order_is_a_violation() -> None:
    evidence = settled()
    evidence.charges.append(Charge("ord_7", "auth_7", Decimal(5)))

    assert payments_consistent(evidence) == ["auth_7 captured for an order unknown: ord_7"]


def test_a_reservation_held_for_a_cancelled_order_is_an_oversell_violation() -> None:
    evidence = settled()
    evidence.reservations["ord_2"] = Reservation("ord_2", "ACTIVE", LINE)
    evidence.stock["BOOK-0001"] = (10, 4)

    found = no_oversell(evidence)

    assert "BOOK-0001: 4 units taken from stock, 2 confirmed" in found
    assert "ord_2 holds a reservation and is CANCELLED" in found


def test_stock_below_zero_is_a_violation() -> None:
    evidence = settled()
    evidence.stock["BOOK-0001"] = (-1, 0)

    assert "BOOK-0001: -1 on hand, 0 reserved" in no_oversell(evidence)


def test_a_dead_letter_without_a_cause_is_a_violation() -> None:
    evidence = settled()
    evidence.dead_letters.append(DeadLetter("inventory-reserve-dlq", "m2", None))

    assert dead_letters_explained(evidence) == ["inventory-reserve-dlq: m2 has no cause"]


def test_an_archived_event_missing_twice_or_foreign_in_the_lake_is_a_violation() -> None:
    evidence = settled()
    evidence.lake["order_placed_v2"] = Counter({"e1": 2, "e3": 1})

    found = lake_exactly_once(evidence)

    assert found == [
        "order_placed_v2: 1 archived events missing, e.g. e2",
        "order_placed_v2: e1 is in the lake 2 times",
        "order_placed_v2: 1 events not in the archive, e.g. e3",
    ]
