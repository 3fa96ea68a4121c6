"""The definition validator on Parallel and Map states, one focused test per rule:
branches, item processors and their config, concurrency, tolerated failures, item
readers and labels (a bad label gets AWS's reference message)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from ordermesh_platform.sfn.validation import InvalidDefinition, validate_definition
from tests.sfn.validation_support import (
    ONE_OF,
    ONLY_ONE,
    S,
    _map,
    _problems,
    _with,
)

RULES: list[tuple[str, Any, tuple[str, str, str]]] = [
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
]


@pytest.mark.parametrize(
    ("definition", "expected"), [(d, e) for _, d, e in RULES], ids=[r[0] for r in RULES]
)
def test_rule(definition: Any, expected: tuple[str, str, str]) -> None:
    assert expected in _problems(copy.deepcopy(definition))


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
