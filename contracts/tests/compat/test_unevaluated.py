"""unevaluatedProperties / unevaluatedItems: the verdicts per mode, each proved by a document
judged by the 2020-12 validator. The table cases are in draft2020_cases.py."""

from __future__ import annotations

from typing import Any

from ordermesh_contracts.compat import Mode, check, diff

from .cases import I, S, arr, obj
from .conftest import is_valid

CLOSED_A = obj({"a": S}, unevaluatedProperties=False)
CLOSED_A_B = obj({"a": S, "b": S}, unevaluatedProperties=False)


def _verdicts(old: dict[str, Any], new: dict[str, Any]) -> dict[Mode, bool]:
    modes = (Mode.BACKWARD, Mode.FORWARD, Mode.FULL)
    return {mode: check(old, new, mode).compatible for mode in modes}


def test_optional_property_added_under_unevaluated_properties_false() -> None:
    # Given a closed content model made with unevaluatedProperties: false
    # When a version adds an optional property
    verdicts = _verdicts(CLOSED_A, CLOSED_A_B)
    # Then every old event is still valid (BACKWARD holds): it cannot carry the new property
    assert verdicts[Mode.BACKWARD]
    # And a new event carrying it is rejected by old readers (FORWARD and FULL do not hold)
    event = {"a": "x", "b": "y"}
    assert is_valid(CLOSED_A_B, event)
    assert not is_valid(CLOSED_A, event)
    assert not verdicts[Mode.FORWARD]
    assert not verdicts[Mode.FULL]


def test_optional_property_removed_under_unevaluated_properties_false() -> None:
    verdicts = _verdicts(CLOSED_A_B, CLOSED_A)
    event = {"a": "x", "b": "y"}
    assert is_valid(CLOSED_A_B, event)
    assert not is_valid(CLOSED_A, event)
    assert verdicts == {Mode.BACKWARD: False, Mode.FORWARD: True, Mode.FULL: False}


def test_last_prefix_item_removed_under_unevaluated_items_is_breaking() -> None:
    # Given a tuple whose rest is governed by unevaluatedItems: {"type": "string"}
    old = arr(prefixItems=[S, I, I], unevaluatedItems=S)
    new = arr(prefixItems=[S, I], unevaluatedItems=S)
    # When its last member is removed, the third item falls to unevaluatedItems
    witness = ["a", 1, 2]
    assert is_valid(old, witness)
    assert not is_valid(new, witness)
    # Then the change is breaking in both directions
    assert _verdicts(old, new) == {Mode.BACKWARD: False, Mode.FORWARD: False, Mode.FULL: False}


def test_undecided_unevaluated_properties_says_why() -> None:
    old = {"allOf": [{"properties": {"a": S}}], "unevaluatedProperties": False}
    new = {**old, "properties": {"b": S}}
    (undecided,) = [c for c in diff(old, new) if c.type == "UNEVALUATED_PROPERTIES_UNDECIDED"]
    assert (undecided.backward, undecided.forward) == (False, False)
    assert undecided.pointer == "#/unevaluatedProperties"
    assert "allOf" in undecided.message
    assert "cannot decide" in undecided.message
