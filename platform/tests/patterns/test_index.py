"""RuleIndex: adding, replacing and removing rules, and what match returns."""

from __future__ import annotations

import pytest
from ordermesh_platform.patterns import InvalidEventPatternError, RuleIndex, compile_pattern

ORDER_PLACED = {
    "source": "ordermesh.orders",
    "detail-type": "OrderPlaced",
    "detail": {"amount": 120, "status": "new", "customer": {"tier": "gold"}},
}


def test_match_returns_matching_ids_in_insertion_order() -> None:
    index = RuleIndex()
    index.add(
        "big-orders",
        {"source": ["ordermesh.orders"], "detail": {"amount": [{"numeric": [">", 100]}]}},
    )
    index.add("payments", {"source": ["ordermesh.payments"]})
    index.add("any-gold", '{"detail": {"customer": {"tier": [{"prefix": "gold"}]}}}')
    index.add("placed", compile_pattern({"detail-type": ["OrderPlaced", "OrderCancelled"]}))
    assert index.match(ORDER_PLACED) == ["big-orders", "any-gold", "placed"]
    assert index.match({"source": "ordermesh.payments"}) == ["payments"]
    assert index.match({}) == []
    assert len(index) == 4
    assert list(index) == ["big-orders", "payments", "any-gold", "placed"]


def test_replacing_a_rule_changes_its_pattern_and_keeps_its_place() -> None:
    index = RuleIndex()
    index.add("first", {"source": ["ordermesh.orders"]})
    index.add("second", {"detail-type": ["OrderPlaced"]})
    index.add("first", {"source": ["ordermesh.payments"]})
    assert index.match(ORDER_PLACED) == ["second"]
    assert index.match({"source": "ordermesh.payments", "detail-type": "OrderPlaced"}) == [
        "first",
        "second",
    ]
    assert len(index) == 2


def test_removing_rules() -> None:
    index = RuleIndex()
    index.add("orders", {"source": ["ordermesh.orders"]})
    index.add("everything-new", {"detail": {"status": ["new"]}})
    index.remove("orders")
    index.remove("never-added")
    assert index.match(ORDER_PLACED) == ["everything-new"]
    index.remove("everything-new")
    assert index.match(ORDER_PLACED) == []
    assert len(index) == 0
    assert "orders" not in index


def test_an_invalid_pattern_leaves_the_index_unchanged() -> None:
    index = RuleIndex()
    index.add("orders", {"source": ["ordermesh.orders"]})
    with pytest.raises(InvalidEventPatternError):
        index.add("orders", {"source": "ordermesh.orders"})
    with pytest.raises(InvalidEventPatternError):
        index.add("new", {"source": [{"prefx": "ordermesh."}]})
    assert index.match(ORDER_PLACED) == ["orders"]
    assert list(index) == ["orders"]


def test_rules_with_or_are_found_through_each_branch() -> None:
    index = RuleIndex()
    index.add(
        "either",
        {"$or": [{"source": ["ordermesh.orders"]}, {"detail-type": ["PaymentFailed"]}]},
    )
    index.add("mixed", {"$or": [{"source": ["ordermesh.stock"]}, {"detail": {"status": ["new"]}}]})
    assert index.match(ORDER_PLACED) == ["either", "mixed"]
    assert index.match({"detail-type": "PaymentFailed"}) == ["either"]
    assert index.match({"source": "ordermesh.stock"}) == ["mixed"]


def test_event_values_in_arrays_reach_their_rules() -> None:
    index = RuleIndex()
    index.add("tagged", {"resources": ["arn:aws:ordermesh:::orders/1"], "source": ["a", "b"]})
    assert index.match({"resources": ["x", "arn:aws:ordermesh:::orders/1"], "source": "b"}) == [
        "tagged"
    ]
    assert index.match({"resources": ["x"], "source": "b"}) == []


def test_address_shaped_exact_values_still_match() -> None:
    index = RuleIndex()
    index.add("from-host", {"source-ip": ["10.0.0.1"]})
    assert index.match({"source-ip": "10.0.0.1"}) == ["from-host"]
