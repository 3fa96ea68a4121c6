"""The definition validator on the query languages, one focused test per rule: the fields
only JSONPath or only JSONata allows, paths and intrinsic calls, and variable names."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.sfn.validation_support import (
    JSONATA_ONLY,
    JSONPATH_ONLY,
    S,
    _problems,
    _task,
    _with,
)

NOT_A_PATH = (
    "The value for the field '{}' must be a valid JSONPath or a valid intrinsic function call"
)

RULES: list[tuple[str, Any, tuple[str, str, str]]] = [
    # JSONPath and JSONata fields
    (
        "Output in JSONPath",
        _with({"Type": "Pass", "End": True, "Output": 1}),
        (S, "/States/A", JSONATA_ONLY.format("Output")),
    ),
    (
        "Arguments in JSONPath",
        _with(_task(Arguments={})),
        (S, "/States/A", JSONATA_ONLY.format("Arguments")),
    ),
    (
        "Parameters in JSONata",
        _with(_task(Parameters={}), QueryLanguage="JSONata"),
        (S, "/States/A", JSONPATH_ONLY.format("Parameters")),
    ),
    (
        "Result in a JSONata state",
        _with({"Type": "Pass", "End": True, "Result": 1, "QueryLanguage": "JSONata"}),
        (S, "/States/A", JSONPATH_ONLY.format("Result")),
    ),
    (
        "JSONPath state in JSONata machine",
        _with({"Type": "Pass", "End": True, "QueryLanguage": "JSONPath"}, QueryLanguage="JSONata"),
        (
            S,
            "/States/A",
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        ),
    ),
    (
        "bad .$ value",
        _with({"Type": "Pass", "End": True, "Parameters": {"a": {"b.$": "b"}}}),
        (
            S,
            "/States/A/Parameters/a",
            NOT_A_PATH.format("b.$"),
        ),
    ),
    (
        "unknown intrinsic",
        _with({"Type": "Pass", "End": True, "Parameters": {"b.$": "States.Nope($)"}}),
        (
            S,
            "/States/A/Parameters",
            NOT_A_PATH.format("b.$"),
        ),
    ),
    (
        "InputPath not a path",
        _with({"Type": "Pass", "End": True, "InputPath": "x"}),
        (S, "/States/A/InputPath", "Value is not a valid JSONPath"),
    ),
    (
        "ResultPath on context",
        _with({"Type": "Pass", "End": True, "ResultPath": "$$.x"}),
        (S, "/States/A/ResultPath", "Value is not a Reference Path"),
    ),
    (
        "reserved variable",
        _with({"Type": "Pass", "End": True, "Assign": {"states": 1}}),
        (S, "/States/A/Assign", "The variable name 'states' is reserved"),
    ),
    (
        "invalid variable name",
        _with({"Type": "Pass", "End": True, "Assign": {"1x": 1}}),
        (S, "/States/A/Assign", "The variable name '1x' is not valid"),
    ),
    (
        "variable .$ not a path",
        _with({"Type": "Pass", "End": True, "Assign": {"x.$": "x"}}),
        (
            S,
            "/States/A/Assign",
            NOT_A_PATH.format("x.$"),
        ),
    ),
]


@pytest.mark.parametrize(
    ("definition", "expected"), [(d, e) for _, d, e in RULES], ids=[r[0] for r in RULES]
)
def test_rule(definition: Any, expected: tuple[str, str, str]) -> None:
    assert expected in _problems(copy.deepcopy(definition))
