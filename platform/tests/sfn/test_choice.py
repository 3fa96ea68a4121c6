from __future__ import annotations

from typing import Any

import pytest
from ordermesh_platform.sfn.choice import PathMissingError, evaluate_rule
from ordermesh_platform.sfn.errors import StatesError

DATA: dict[str, Any] = {
    "name": "kettle",
    "qty": 3,
    "price": 2.5,
    "flag": True,
    "when": "2026-01-01T10:00:00Z",
    "later": "2026-01-01T11:00:00+01:00",
    "nothing": None,
    "limit": 3,
}


def _resolve(path: str) -> Any:
    key = path.removeprefix("$.")
    if key not in DATA:
        raise PathMissingError(path)
    return DATA[key]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"Variable": "$.name", "StringEquals": "kettle"}, True),
        ({"Variable": "$.name", "StringLessThan": "mug"}, True),
        ({"Variable": "$.name", "StringMatches": "ket*"}, True),
        ({"Variable": "$.name", "StringMatches": "ket\\*"}, False),
        ({"Variable": "$.qty", "StringEquals": "3"}, False),
        ({"Variable": "$.qty", "NumericEquals": 3}, True),
        ({"Variable": "$.qty", "NumericEqualsPath": "$.limit"}, True),
        ({"Variable": "$.price", "NumericGreaterThanEquals": 2.5}, True),
        ({"Variable": "$.flag", "NumericEquals": 1}, False),
        ({"Variable": "$.flag", "BooleanEquals": True}, True),
        ({"Variable": "$.when", "TimestampEquals": "2026-01-01T10:00:00Z"}, True),
        ({"Variable": "$.later", "TimestampEqualsPath": "$.when"}, True),
        ({"Variable": "$.name", "TimestampEquals": "2026-01-01T10:00:00Z"}, False),
        ({"Variable": "$.nothing", "IsNull": True}, True),
        ({"Variable": "$.qty", "IsNumeric": True}, True),
        ({"Variable": "$.flag", "IsNumeric": False}, True),
        ({"Variable": "$.when", "IsTimestamp": True}, True),
        ({"Variable": "$.missing", "IsPresent": False}, True),
        ({"Variable": "$.name", "IsPresent": True}, True),
        (
            {
                "And": [
                    {"Variable": "$.qty", "NumericLessThan": 5},
                    {"Not": {"Variable": "$.flag", "BooleanEquals": False}},
                ]
            },
            True,
        ),
        (
            {
                "Or": [
                    {"Variable": "$.qty", "NumericGreaterThan": 5},
                    {"Variable": "$.name", "IsString": False},
                ]
            },
            False,
        ),
    ],
)
def test_rules(rule: dict[str, Any], *, expected: bool) -> None:
    assert evaluate_rule(rule, _resolve) is expected


def test_a_missing_variable_is_a_runtime_error() -> None:
    with pytest.raises(StatesError) as error:
        evaluate_rule({"Variable": "$.missing", "StringEquals": "x"}, _resolve)
    assert error.value.error == "States.Runtime"
    assert "$.missing" in str(error.value)
