"""check() and check_history(): modes, transitivity, labels and violations."""

from __future__ import annotations

from typing import Any

import pytest
from ordermesh_contracts.compat import (
    Change,
    CompatibilityResult,
    Mode,
    Violation,
    check,
    check_history,
)

STRING = {"type": "string"}
NULLABLE = {"type": ["string", "null"]}
OPEN_V1 = {"type": "object", "properties": {"id": STRING}}
OPEN_V2 = {"type": "object", "properties": {"id": STRING, "note": STRING}}


def test_mode_values_and_properties() -> None:
    assert [mode.value for mode in Mode] == [
        "BACKWARD",
        "BACKWARD_TRANSITIVE",
        "FORWARD",
        "FORWARD_TRANSITIVE",
        "FULL",
        "FULL_TRANSITIVE",
        "NONE",
    ]
    assert Mode.BACKWARD_TRANSITIVE.transitive
    assert not Mode.BACKWARD.transitive
    assert Mode.FULL_TRANSITIVE.base is Mode.FULL
    assert Mode.FORWARD.base is Mode.FORWARD
    assert Mode.NONE.base is Mode.NONE
    assert Mode("FULL") is Mode.FULL
    assert Mode.FULL.checks_backward
    assert Mode.FULL.checks_forward
    assert Mode.BACKWARD.checks_backward
    assert not Mode.BACKWARD.checks_forward
    assert not Mode.NONE.checks_backward
    assert not Mode.NONE.checks_forward


@pytest.mark.parametrize(
    ("mode", "compatible"),
    [
        (Mode.BACKWARD, False),
        (Mode.FORWARD, True),
        (Mode.FULL, False),
        (Mode.NONE, True),
    ],
)
def test_check_narrowing(mode: Mode, *, compatible: bool) -> None:
    result = check(NULLABLE, STRING, mode)
    assert result.compatible is compatible
    assert bool(result) is compatible
    assert [change.type for change in result.changes] == ["TYPE_NARROWED"]
    assert len(result.violations) == (0 if compatible else 1)


def test_check_violation_details() -> None:
    result = check({"type": "string"}, {"type": "number"}, Mode.FULL)
    assert not result.compatible
    (violation,) = result.violations
    assert violation.change.type == "TYPE_CHANGED"
    assert violation.index == 0
    assert violation.label == "old"
    assert violation.direction == "backward+forward"
    assert "TYPE_CHANGED at #/type" in str(violation)


def test_backward_transitive_sees_older_schemas() -> None:
    history = [NULLABLE, STRING]
    assert check_history(history, STRING, Mode.BACKWARD).compatible
    result = check_history(history, STRING, Mode.BACKWARD_TRANSITIVE)
    assert not result.compatible
    assert [(v.index, v.label, v.direction) for v in result.violations] == [(0, "v1", "backward")]
    assert result.changes == []  # changes are against the latest schema only


def test_forward_transitive_sees_older_schemas() -> None:
    history = [STRING, NULLABLE]
    assert check_history(history, NULLABLE, Mode.FORWARD).compatible
    result = check_history(history, NULLABLE, Mode.FORWARD_TRANSITIVE)
    assert not result.compatible
    assert [(v.index, v.change.type) for v in result.violations] == [(0, "TYPE_EXTENDED")]


def test_full_transitive_against_every_release() -> None:
    history = [OPEN_V1, OPEN_V2, OPEN_V2]
    new = {"type": "object", "properties": {"id": STRING, "note": STRING}, "required": ["id"]}
    result = check_history(history, new, Mode.FULL_TRANSITIVE, labels=["a", "b", "c"])
    assert not result.compatible
    assert [(v.label, v.change.type) for v in result.violations] == [
        ("a", "REQUIRED_PROPERTY_ADDED"),
        ("a", "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"),
        ("b", "REQUIRED_PROPERTY_ADDED"),
        ("c", "REQUIRED_PROPERTY_ADDED"),
    ]
    assert {v.direction for v in result.violations} == {"backward"}


def test_non_transitive_only_compares_latest() -> None:
    history = [{"type": "number"}, STRING]
    assert check_history(history, STRING, Mode.FULL).compatible
    assert not check_history(history, STRING, Mode.FULL_TRANSITIVE).compatible


def test_none_reports_changes_but_is_compatible() -> None:
    result = check_history([STRING], {"type": "number"}, Mode.NONE)
    assert result.compatible
    assert result.violations == []
    assert [change.type for change in result.changes] == ["TYPE_CHANGED"]


def test_empty_history_is_compatible() -> None:
    result = check_history([], STRING, Mode.FULL_TRANSITIVE)
    assert result == CompatibilityResult(
        Mode.FULL_TRANSITIVE, compatible=True, changes=[], violations=[]
    )


def test_labels_must_match_history() -> None:
    with pytest.raises(ValueError, match="2 labels given for 1 schemas"):
        check_history([STRING], STRING, Mode.BACKWARD, labels=["a", "b"])


def test_mode_accepts_plain_strings() -> None:
    mode: Any = "BACKWARD"
    result = check_history([NULLABLE], STRING, mode)
    assert result.mode is Mode.BACKWARD
    assert not result.compatible


def test_violation_is_a_plain_record() -> None:
    change = Change("TYPE_NARROWED", "#/type", "narrowed", backward=False, forward=True)
    violation = Violation(change, 2, "v3", "backward")
    assert violation.change is change
    assert str(violation) == "TYPE_NARROWED at #/type breaks backward vs v3: narrowed"


def test_compatible_evolution_passes_every_mode() -> None:
    history = [
        {"type": "object", "properties": {"id": STRING}},
        {"type": "object", "properties": {"id": {"type": "string", "title": "Id"}}},
    ]
    new = {"type": "object", "properties": {"id": STRING}, "description": "same"}
    for mode in Mode:
        assert check_history(history, new, mode).compatible, mode
