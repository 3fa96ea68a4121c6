"""The definition validator on Choice, Wait and Fail states, one focused test per rule:
Choice rules and their operands in JSONPath and JSONata, a Wait's one timing, a Fail's
error and cause."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.sfn.validation_support import (
    JSONATA_ONLY,
    JSONPATH_ONLY,
    ONE_OF,
    ONLY_ONE,
    S,
    _choice,
    _problems,
    _rule,
    _with,
)

NO_SELECTOR = (
    "The object must have only one of the following fields, [And, Or, Not, Variable, Condition]"
)
WAIT_FIELDS = "SecondsPath, Seconds, TimestampPath, Timestamp"

RULES: list[tuple[str, Any, tuple[str, str, str]]] = [
    # Choice
    ("empty Choices", _choice(), (S, "/States/C/Choices", "Value cannot be empty")),
    (
        "rule without Next",
        _choice({"Variable": "$.x", "IsNull": True}),
        (S, "/States/C/Choices[0]", "These fields are required: [Next]"),
    ),
    (
        "nested rule with Next",
        _choice({"Not": _rule(IsNull=True), "Next": "D"}),
        (S, "/States/C/Choices[0]/Not", "Field 'Next' is not supported"),
    ),
    (
        "rule without selector",
        _choice({"Next": "D"}),
        (
            S,
            "/States/C/Choices[0]",
            NO_SELECTOR,
        ),
    ),
    (
        "empty And",
        _choice({"And": [], "Next": "D"}),
        (S, "/States/C/Choices[0]/And", "Value cannot be empty"),
    ),
    (
        "Variable not a path",
        _choice(_rule(Variable="x", IsNull=True)),
        (S, "/States/C/Choices[0]/Variable", "Value is not a valid JSONPath"),
    ),
    (
        "StringEquals number",
        _choice(_rule(StringEquals=1)),
        (S, "/States/C/Choices[0]/StringEquals", "Expected value of type String"),
    ),
    (
        "NumericEquals string",
        _choice(_rule(NumericEquals="1")),
        (S, "/States/C/Choices[0]/NumericEquals", "Expected value of type Number"),
    ),
    (
        "BooleanEquals string",
        _choice(_rule(BooleanEquals="true")),
        (S, "/States/C/Choices[0]/BooleanEquals", "Expected value of type Boolean"),
    ),
    (
        "IsNull string",
        _choice(_rule(IsNull="yes")),
        (S, "/States/C/Choices[0]/IsNull", "Expected value of type Boolean"),
    ),
    (
        "bad timestamp operand",
        _choice(_rule(TimestampEquals="2016-03-14 01:59:00")),
        (S, "/States/C/Choices[0]/TimestampEquals", "String does not match RFC3339 timestamp"),
    ),
    (
        "Path operand not a path",
        _choice(_rule(StringEqualsPath="x")),
        (S, "/States/C/Choices[0]/StringEqualsPath", "Value is not a valid JSONPath"),
    ),
    (
        "Condition in JSONPath",
        _choice({"Condition": True, "Next": "D"}),
        (S, "/States/C/Choices[0]", JSONATA_ONLY.format("Condition")),
    ),
    (
        "JSONata rule without Condition",
        {**_choice({"Next": "D"}), "QueryLanguage": "JSONata"},
        (S, "/States/C/Choices[0]", "These fields are required: [Condition]"),
    ),
    (
        "Variable in JSONata",
        {**_choice(_rule(IsNull=True, Condition=True)), "QueryLanguage": "JSONata"},
        (S, "/States/C/Choices[0]", JSONPATH_ONLY.format("Variable")),
    ),
    # Wait
    (
        "Wait without timing",
        _with({"Type": "Wait", "End": True}),
        (
            S,
            "/States/A",
            ONLY_ONE.format(WAIT_FIELDS),
        ),
    ),
    (
        "Wait with two timings",
        _with({"Type": "Wait", "End": True, "Seconds": 1, "SecondsPath": "$.s"}),
        (
            S,
            "/States/A",
            ONE_OF.format(WAIT_FIELDS),
        ),
    ),
    (
        "Wait lowercase t",
        _with({"Type": "Wait", "End": True, "Timestamp": "2016-03-14t01:59:00Z"}),
        (S, "/States/A/Timestamp", "String does not match RFC3339 timestamp"),
    ),
    (
        "Wait negative Seconds",
        _with({"Type": "Wait", "End": True, "Seconds": -1}),
        (S, "/States/A/Seconds", "Minimum value is 0"),
    ),
    # Fail
    (
        "Error and ErrorPath",
        _with({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}),
        (S, "/States/A", ONE_OF.format("Error, ErrorPath")),
    ),
    (
        "Cause and CausePath",
        _with({"Type": "Fail", "Cause": "C", "CausePath": "$.c"}),
        (S, "/States/A", ONE_OF.format("Cause, CausePath")),
    ),
    (
        "CausePath not a path",
        _with({"Type": "Fail", "CausePath": "c"}),
        (
            S,
            "/States/A/CausePath",
            "Value is not a valid JSONPath or a valid intrinsic function call",
        ),
    ),
]


@pytest.mark.parametrize(
    ("definition", "expected"), [(d, e) for _, d, e in RULES], ids=[r[0] for r in RULES]
)
def test_rule(definition: Any, expected: tuple[str, str, str]) -> None:
    assert expected in _problems(copy.deepcopy(definition))
