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
    outage_orders_completed,
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
    evidence = settled()
    evidence.outage, evidence.accepted_at = (100.0, 200.0), {"ord_1": 150.0, "ord_2": 150.0}

    assert all(found == [] for found in check(evidence).values())


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


def test_a_good_card_order_placed_during_the_outage_and_not_confirmed_is_a_violation() -> None:
    evidence = settled()
    evidence.outage = (100.0, 200.0)
    evidence.accepted_at = {"ord_1": 150.0, "ord_2": 150.0}  # confirmed; a declined card
    evidence.orders["ord_3"] = StoredOrder(
        "ord_3", "CANCELLED", LINE, "cus_3", "PAYMENT_FAILED", "provider unavailable"
    )
    evidence.orders["ord_4"] = StoredOrder(
        "ord_4", "CANCELLED", LINE, "cus_4", "INSUFFICIENT_STOCK", "no stock"
    )
    evidence.orders["ord_5"] = StoredOrder("ord_5", "PENDING", LINE, "cus_5")
    evidence.orders["ord_6"] = StoredOrder(
        "ord_6", "CANCELLED", LINE, "cus_6", "PAYMENT_FAILED", "after the outage"
    )
    evidence.accepted_at |= {"ord_3": 100.0, "ord_4": 120.0, "ord_5": 200.0, "ord_6": 200.5}

    found = outage_orders_completed(evidence)

    assert found == [
        (
            "ord_3 was accepted during the provider outage and is CANCELLED "
            "(PAYMENT_FAILED: provider unavailable)"
        ),
        "ord_5 was accepted during the provider outage and is PENDING",
    ]
    assert outage_orders_completed(settled()) == []  # no outage in the run: nothing to check
