"""The definition validator, one focused test per rule: the code, JSON pointer and reason of each
rule on a minimal definition. The conformance corpus (every definition AWS rejected, and every
definition AWS ran) is scored by ``test_conformance.py``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from ordermesh_platform.sfn.validation import InvalidDefinition, validate_definition

# --- focused rules ---

BASE: dict[str, Any] = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}


def _with(state: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"StartAt": "A", "States": {"A": state}, **top}


def _task(**fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True, **fields}


def _map(**fields: Any) -> dict[str, Any]:
    processor = {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}
    return {"Type": "Map", "ItemProcessor": processor, "End": True, **fields}


def _choice(*rules: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": list(rules), "Default": "D", **fields},
            "D": {"Type": "Succeed"},
        },
    }


def _rule(**fields: Any) -> dict[str, Any]:
    return {"Variable": "$.x", "Next": "D", **fields}


def _problems(definition: Any, machine_type: str = "STANDARD") -> list[tuple[str, str, str]]:
    with pytest.raises(InvalidDefinition) as caught:
        validate_definition(definition, state_machine_type=machine_type)  # type: ignore[arg-type]
    assert caught.value.code == "InvalidDefinition"
    assert caught.value.message.startswith("Invalid State Machine Definition: '")
    assert [(path, reason) for _, path, reason in caught.value.diagnostics] == caught.value.problems
    return [(item.code, item.path, item.reason) for item in caught.value.diagnostics]


S = "SCHEMA_VALIDATION_FAILED"
ONLY_IN = "The QueryLanguage is set to '{}', but field '{{}}' is only supported for the '{}' "
JSONATA_ONLY = ONLY_IN.format("JSONPath", "JSONata") + "QueryLanguage"
JSONPATH_ONLY = ONLY_IN.format("JSONata", "JSONPath") + "QueryLanguage"
ONE_OF = "There should only be one of the following fields: [{}]"
ONLY_ONE = "This object should have only one of the following fields: [{}]"
NOT_A_PATH = (
    "The value for the field '{}' must be a valid JSONPath or a valid intrinsic function call"
)
NO_SELECTOR = (
    "The object must have only one of the following fields, [And, Or, Not, Variable, Condition]"
)
STATE_TYPES = "Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map"
WAIT_FIELDS = "SecondsPath, Seconds, TimestampPath, Timestamp"

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
    # Parallel and Map
    (
        "Parallel without Branches",
        _with({"Type": "Parallel", "End": True}),
        (S, "/States/A", "These fields are required: [Branches]"),
    ),
    (
        "branch without StartAt",
        _with({"Type": "Parallel", "End": True, "Branches": [{"States": {}}]}),
        (S, "/States/A/Branches[0]", "These fields are required: [StartAt]"),
    ),
    (
        "Map without processor",
        _with({"Type": "Map", "End": True}),
        (
            S,
            "/States/A",
            ONLY_ONE.format("ItemProcessor, Iterator"),
        ),
    ),
    (
        "processor QueryLanguage",
        _with(
            _map(
                ItemProcessor={
                    "QueryLanguage": "JSONata",
                    "StartAt": "I",
                    "States": {"I": {"Type": "Succeed"}},
                }
            )
        ),
        (S, "/States/A/ItemProcessor", "Field 'QueryLanguage' is not supported"),
    ),
    (
        "distributed without ExecutionType",
        _with(
            _map(
                ItemProcessor={
                    "ProcessorConfig": {"Mode": "DISTRIBUTED"},
                    "StartAt": "I",
                    "States": {"I": {"Type": "Succeed"}},
                }
            )
        ),
        (
            S,
            "/States/A/ItemProcessor/ProcessorConfig",
            "These fields are required: [ExecutionType]",
        ),
    ),
    (
        "bad Mode",
        _with(
            _map(
                ItemProcessor={
                    "ProcessorConfig": {"Mode": "BATCH"},
                    "StartAt": "I",
                    "States": {"I": {"Type": "Succeed"}},
                }
            )
        ),
        (
            S,
            "/States/A/ItemProcessor/ProcessorConfig/Mode",
            "Value should be one of the following: [INLINE, DISTRIBUTED]",
        ),
    ),
    (
        "MaxConcurrency and Path",
        _with(_map(MaxConcurrency=1, MaxConcurrencyPath="$.m")),
        (
            S,
            "/States/A",
            ONE_OF.format("MaxConcurrency, MaxConcurrencyPath"),
        ),
    ),
    (
        "ToleratedFailurePercentage above 100",
        _with(_map(ToleratedFailurePercentage=101)),
        (S, "/States/A/ToleratedFailurePercentage", "Maximum value is 100.0"),
    ),
    (
        "negative ToleratedFailureCount",
        _with(_map(ToleratedFailureCount=-1)),
        (S, "/States/A/ToleratedFailureCount", "Minimum value is 0"),
    ),
    (
        "ItemReader without Resource",
        _with(_map(ItemReader={})),
        (S, "/States/A/ItemReader", "These fields are required: [Resource]"),
    ),
    (
        "duplicate Label",
        {
            "StartAt": "A",
            "States": {"A": {**_map(Label="L"), "End": False, "Next": "B"}, "B": _map(Label="L")},
        },
        ("DUPLICATE_LABEL_NAME", "/States/B/Label", "Duplicate Label name: L"),
    ),
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


@pytest.mark.parametrize("label", ["", "x" * 41, "a b", "a/b", "tab\t", "\x85"])
def test_bad_map_labels_use_the_reference_message(label: str) -> None:
    definition = _with(_map(Label=label))
    with pytest.raises(InvalidDefinition) as caught:
        validate_definition(definition)
    assert caught.value.message.startswith(
        "Error=ValueError Args=['Label "
    ) or caught.value.message.startswith('Error=ValueError Args=["Label ')
    assert caught.value.message.endswith(f" in definition '{json.dumps(definition)}'.")
    assert caught.value.problems[0][0] == "/States/A/Label"


def test_unparsable_json() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        validate_definition('{"StartAt": ')
    assert caught.value.message.startswith(
        "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: "
    )


def test_duplicate_keys_in_states_are_duplicate_names() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "A": {"Type": "Succeed"}}}'
    assert ("DUPLICATE_STATE_NAME", "/States/A", "Duplicate State name: A") in _problems(text)


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


def test_rejects_an_unknown_machine_type() -> None:
    with pytest.raises(ValueError, match="STANDARD or EXPRESS"):
        validate_definition(BASE, state_machine_type="LOCAL")  # type: ignore[arg-type]
