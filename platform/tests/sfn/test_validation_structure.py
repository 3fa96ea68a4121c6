"""The definition validator on a machine's structure, one focused test per rule: the
top-level fields, states and their names, transitions and reachability; then the text
of a definition (unparsable JSON, duplicate keys), several problems joined as AWS joins
them, and an unknown machine type."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ordermesh_platform.sfn.validation import InvalidDefinition, validate_definition
from tests.sfn.validation_support import (
    BASE,
    ONE_OF,
    ONLY_ONE,
    S,
    _choice,
    _problems,
    _rule,
    _with,
)

STATE_TYPES = "Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map"

RULES: list[tuple[str, Any, tuple[str, str, str]]] = [
    # top level
    ("no States", {"StartAt": "A"}, (S, "/", "These fields are required: [States]")),
    ("no StartAt", {"States": BASE["States"]}, (S, "/", "These fields are required: [StartAt]")),
    ("unknown top field", {**BASE, "Foo": 1}, (S, "/", "Field 'Foo' is not supported")),
    (
        "bad Version",
        {**BASE, "Version": "2.0"},
        (S, "/Version", "Value should be one of the following: [1.0]"),
    ),
    (
        "bad QueryLanguage",
        {**BASE, "QueryLanguage": "XPath"},
        (S, "/QueryLanguage", "Value should be one of the following: [JSONPath, JSONata]"),
    ),
    (
        "negative TimeoutSeconds",
        {**BASE, "TimeoutSeconds": -1},
        (S, "/TimeoutSeconds", "Minimum value is 0"),
    ),
    (
        "StartAt names no state",
        {**BASE, "StartAt": "B"},
        ("MISSING_TRANSITION_TARGET", "/StartAt", "Missing 'Next' target: B"),
    ),
    # states
    ("no Type", _with({"End": True}), (S, "/States/A", "These fields are required: [Type]")),
    (
        "bad Type",
        _with({"Type": "Sleep", "End": True}),
        (
            S,
            "/States/A/Type",
            f"Value should be one of the following: [{STATE_TYPES}]",
        ),
    ),
    (
        "unsupported field",
        _with({"Type": "Pass", "End": True, "Retry": []}),
        (S, "/States/A", "Field 'Retry' is not supported"),
    ),
    (
        "Next and End",
        {
            "StartAt": "A",
            "States": {"A": {"Type": "Pass", "Next": "B", "End": True}, "B": {"Type": "Succeed"}},
        },
        (S, "/States/A", ONE_OF.format("Next, End")),
    ),
    (
        "neither Next nor End",
        {"StartAt": "A", "States": {"A": {"Type": "Pass"}, "B": {"Type": "Succeed"}}},
        (S, "/States/A", ONLY_ONE.format("Next, End")),
    ),
    (
        "Next on Succeed",
        {"StartAt": "A", "States": {"A": {"Type": "Succeed", "Next": "A"}}},
        (S, "/States/A", "Field 'Next' is not supported"),
    ),
    (
        "long state name",
        {"StartAt": "x" * 81, "States": {"x" * 81: {"Type": "Succeed"}}},
        (
            "INVALID_STATE_NAME",
            "/States/" + "x" * 81,
            f"State name '{'x' * 81}' exceeds 80 characters",
        ),
    ),
    (
        "duplicate name in a branch",
        _with(
            {
                "Type": "Parallel",
                "End": True,
                "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}],
            }
        ),
        ("DUPLICATE_STATE_NAME", "/States/A/Branches[0]/States/A", "Duplicate State name: A"),
    ),
    # transitions
    (
        "dangling Next",
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Z"}, "B": {"Type": "Succeed"}}},
        ("MISSING_TRANSITION_TARGET", "/States/A/Next", "Missing 'Next' target: Z"),
    ),
    (
        "dangling Default",
        _choice(_rule(BooleanEquals=True), Default="Z"),
        ("MISSING_TRANSITION_TARGET", "/States/C/Default", "Missing 'Next' target: Z"),
    ),
    (
        "unreachable state",
        {"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}}},
        ("MISSING_TRANSITION_TARGET", "/States/B", 'State "B" is not reachable.'),
    ),
    (
        "no terminal state",
        {
            "StartAt": "A",
            "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}},
        },
        ("MISSING_END_STATE", "", "Workflow has no terminal state"),
    ),
]


@pytest.mark.parametrize(
    ("definition", "expected"), [(d, e) for _, d, e in RULES], ids=[r[0] for r in RULES]
)
def test_rule(definition: Any, expected: tuple[str, str, str]) -> None:
    assert expected in _problems(copy.deepcopy(definition))


def test_several_problems_are_joined_as_aws_joins_them() -> None:
    definition = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "C"}, "B": {"Type": "Succeed"}},
    }
    with pytest.raises(InvalidDefinition) as caught:
        validate_definition(definition)
    assert caught.value.message == (
        "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: C at "
        '/States/A/Next, MISSING_TRANSITION_TARGET: State "B" is not reachable. at /States/B\''
    )


def test_unparsable_json() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        validate_definition('{"StartAt": ')
    assert caught.value.message.startswith(
        "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: "
    )


def test_duplicate_keys_in_states_are_duplicate_names() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "A": {"Type": "Succeed"}}}'
    assert ("DUPLICATE_STATE_NAME", "/States/A", "Duplicate State name: A") in _problems(text)


def test_rejects_an_unknown_machine_type() -> None:
    with pytest.raises(ValueError, match="STANDARD or EXPRESS"):
        validate_definition(BASE, state_machine_type="LOCAL")  # type: ignore[arg-type]
