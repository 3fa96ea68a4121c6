"""The definition validator on Task states, one focused test per rule: Resource,
Credentials, timeouts and heartbeats, Retry and Catch; and the integrations an express
machine may not use."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ordermesh_platform.sfn.validation import validate_definition
from tests.sfn.validation_support import (
    ONE_OF,
    S,
    _problems,
    _task,
    _with,
)

RULES: list[tuple[str, Any, tuple[str, str, str]]] = [
    # Task
    (
        "Task without Resource",
        _with({"Type": "Task", "End": True}),
        (S, "/States/A", "These fields are required: [Resource]"),
    ),
    (
        "Resource not an ARN",
        _with(_task(Resource="lambda")),
        ("INVALID_RESOURCE", "/States/A/Resource", "Invalid resource: lambda"),
    ),
    (
        "Credentials without RoleArn",
        _with(_task(Credentials={})),
        (S, "/States/A/Credentials", "The field 'RoleArn' is required but was missing"),
    ),
    (
        "TimeoutSeconds 0",
        _with(_task(TimeoutSeconds=0)),
        (S, "/States/A/TimeoutSeconds", "Minimum value is 1"),
    ),
    (
        "TimeoutSeconds not integer",
        _with(_task(TimeoutSeconds="10")),
        (S, "/States/A/TimeoutSeconds", "Expected value of type Integer"),
    ),
    (
        "Timeout and its Path",
        _with(_task(TimeoutSeconds=5, TimeoutSecondsPath="$.t")),
        (
            S,
            "/States/A",
            ONE_OF.format("TimeoutSeconds, TimeoutSecondsPath"),
        ),
    ),
    (
        "heartbeat not below timeout",
        _with(_task(TimeoutSeconds=5, HeartbeatSeconds=5)),
        (S, "/States/A/HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds"),
    ),
    (
        "TimeoutSecondsPath not a path",
        _with(_task(TimeoutSecondsPath="t")),
        (S, "/States/A/TimeoutSecondsPath", "Value is not a Reference Path"),
    ),
    # Retry and Catch
    (
        "empty ErrorEquals",
        _with(_task(Retry=[{"ErrorEquals": []}])),
        (S, "/States/A/Retry[0]/ErrorEquals", "Value cannot be empty"),
    ),
    (
        "Retry without ErrorEquals",
        _with(_task(Retry=[{"MaxAttempts": 1}])),
        (S, "/States/A/Retry[0]", "These fields are required: [ErrorEquals]"),
    ),
    (
        "States.ALL not alone",
        _with(_task(Retry=[{"ErrorEquals": ["States.ALL", "X"]}])),
        (
            S,
            "/States/A/Retry[0]/ErrorEquals",
            "States.ALL must appear alone in the ErrorEquals array",
        ),
    ),
    (
        "States.ALL not last",
        _with(_task(Retry=[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}])),
        (S, "/States/A/Retry[0]/ErrorEquals", "States.ALL must be the last element of its array"),
    ),
    (
        "negative IntervalSeconds",
        _with(_task(Retry=[{"ErrorEquals": ["X"], "IntervalSeconds": -1}])),
        (S, "/States/A/Retry[0]/IntervalSeconds", "Minimum value is 0"),
    ),
    (
        "negative MaxAttempts",
        _with(_task(Retry=[{"ErrorEquals": ["X"], "MaxAttempts": -1}])),
        (S, "/States/A/Retry[0]/MaxAttempts", "Minimum value is 0"),
    ),
    (
        "BackoffRate below 1",
        _with(_task(Retry=[{"ErrorEquals": ["X"], "BackoffRate": 0.5}])),
        (S, "/States/A/Retry[0]/BackoffRate", "Minimum value is 1.0"),
    ),
    (
        "MaxDelaySeconds 0",
        _with(_task(Retry=[{"ErrorEquals": ["X"], "MaxDelaySeconds": 0}])),
        (S, "/States/A/Retry[0]/MaxDelaySeconds", "Minimum value is 1"),
    ),
    (
        "bad JitterStrategy",
        _with(_task(Retry=[{"ErrorEquals": ["X"], "JitterStrategy": "HALF"}])),
        (
            S,
            "/States/A/Retry[0]/JitterStrategy",
            "Value should be one of the following: [FULL, NONE]",
        ),
    ),
    (
        "Catch without Next",
        _with(_task(Catch=[{"ErrorEquals": ["X"]}])),
        (S, "/States/A/Catch[0]", "These fields are required: [Next]"),
    ),
    (
        "Catch to nowhere",
        _with(_task(Catch=[{"ErrorEquals": ["X"], "Next": "Z"}])),
        ("MISSING_TRANSITION_TARGET", "/States/A/Catch[0]/Next", "Missing 'Next' target: Z"),
    ),
    (
        "Catch ResultPath",
        _with(_task(Catch=[{"ErrorEquals": ["X"], "Next": "A", "ResultPath": "x"}])),
        (S, "/States/A/Catch[0]/ResultPath", "Value is not a Reference Path"),
    ),
]


@pytest.mark.parametrize(
    ("definition", "expected"), [(d, e) for _, d, e in RULES], ids=[r[0] for r in RULES]
)
def test_rule(definition: Any, expected: tuple[str, str, str]) -> None:
    assert expected in _problems(copy.deepcopy(definition))


EXPRESS: list[tuple[str, str, str]] = [
    (
        "sync",
        "arn:aws:states:::states:startExecution.sync:2",
        "Express state machine does not support '.sync' service integration",
    ),
    (
        "token",
        "arn:aws:states:::sns:publish.waitForTaskToken",
        "Express state machine does not support '.waitForTaskToken' service integration ",
    ),
    (
        "activity",
        "arn:aws:states:us-east-1:111111111111:activity:A",
        "Express state machine does not support Activity ARN",
    ),
]


@pytest.mark.parametrize(
    ("resource", "reason"), [(r, m) for _, r, m in EXPRESS], ids=[e[0] for e in EXPRESS]
)
def test_express_limits(resource: str, reason: str) -> None:
    definition = _with(_task(Resource=resource))
    assert (S, "/States/A/Resource", reason) in _problems(definition, "EXPRESS")
    assert validate_definition(definition, state_machine_type="STANDARD") == definition
