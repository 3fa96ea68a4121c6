"""The definition validator accepts valid definitions and gives them back: JSONata and
JSONPath states, retries and catches, intrinsics, Wait offsets, distributed and legacy
Maps, an express machine's request-response calls."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ordermesh_platform.sfn.validation import validate_definition
from tests.sfn.validation_support import (
    BASE,
    _choice,
    _map,
    _task,
    _with,
)

VALID: list[tuple[str, Any]] = [
    ("minimal", BASE),
    ("string input", json.dumps(BASE)),
    (
        "JSONata task",
        _with(
            _task(
                Arguments="{% $states.input %}", TimeoutSeconds="{% 5 %}", Output={"a": "{% 1 %}"}
            ),
            QueryLanguage="JSONata",
        ),
    ),
    (
        "JSONata choice",
        {
            **_choice({"Condition": "{% true %}", "Next": "D", "Assign": {"x": 1}}),
            "QueryLanguage": "JSONata",
        },
    ),
    (
        "JSONPath choice",
        _choice(
            {
                "And": [
                    {"Variable": "$$.Execution.Id", "IsPresent": True},
                    {"Not": {"Variable": "$x", "StringMatches": "a*"}},
                ],
                "Next": "D",
            }
        ),
    ),
    (
        "retry and catch",
        _with(
            _task(
                Retry=[
                    {
                        "ErrorEquals": ["X"],
                        "IntervalSeconds": 0,
                        "MaxAttempts": 0,
                        "BackoffRate": 1,
                        "MaxDelaySeconds": 5,
                        "JitterStrategy": "FULL",
                    },
                    {"ErrorEquals": ["States.ALL"]},
                ],
                Catch=[{"ErrorEquals": ["States.ALL"], "Next": "A", "ResultPath": None}],
            )
        ),
    ),
    (
        "credentials path",
        _with(_task(Credentials={"RoleArn.$": "$.role"}, HeartbeatSeconds=1, TimeoutSeconds=2)),
    ),
    (
        "intrinsics",
        _with(
            {
                "Type": "Pass",
                "End": True,
                "Parameters": {"a.$": "States.Format('{}', States.UUID())", "b.$": "$"},
                "Assign": {"v.$": "States.MathAdd($.a, 1)", "w": 1},
            }
        ),
    ),
    (
        "wait offsets",
        _with({"Type": "Wait", "End": True, "Timestamp": "2016-03-14T01:59:00.5+01:00"}),
    ),
    (
        "distributed map",
        _with(
            _map(
                ItemProcessor={
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "I",
                    "States": {"I": {"Type": "Succeed"}},
                },
                Label="Items_1",
                ItemReader={
                    "Resource": "arn:aws:states:::s3:getObject",
                    "Parameters": {"Bucket.$": "$.b"},
                },
                ToleratedFailurePercentage=5.5,
            )
        ),
    ),
    (
        "legacy iterator",
        _with(
            {
                "Type": "Map",
                "End": True,
                "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
                "Parameters": {"v.$": "$$.Map.Item.Value"},
                "ItemsPath": "$.items",
            }
        ),
    ),
    ("express request-response", _with(_task(Resource="arn:aws:states:::lambda:invoke"))),
]


@pytest.mark.parametrize("definition", [d for _, d in VALID], ids=[v[0] for v in VALID])
def test_accepts_valid_definitions(definition: Any) -> None:
    expected = json.loads(definition) if isinstance(definition, str) else definition
    assert validate_definition(definition, state_machine_type="EXPRESS") == expected
