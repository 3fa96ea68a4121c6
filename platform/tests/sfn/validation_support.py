"""What the definition validator's tests share: minimal definitions to put a state, a Task, a
Map or a Choice rule in, the messages AWS words its problems with, and the problems the
validator finds in a definition (code, JSON pointer and reason). The conformance corpus
(every definition AWS rejected, and every definition AWS ran) is scored by
``test_conformance.py``."""

from __future__ import annotations

from typing import Any

import pytest
from ordermesh_platform.sfn.validation import InvalidDefinition, validate_definition

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
