"""JSONPath payload templates (Parameters, ResultSelector, ItemSelector, Assign)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from ordermesh_platform.sfn.errors import StatesError
from ordermesh_platform.sfn.payload import render_template

DATA: dict[str, Any] = {"order": {"id": "o-1", "lines": [{"sku": "a"}, {"sku": "b"}]}}
CONTEXT = {"Execution": {"Id": "arn:exec"}, "Map": {"Item": {"Index": 3}}}
VARIABLES = {"limit": 5}


def render(template: Any) -> Any:
    return render_template(template, DATA, CONTEXT, VARIABLES, rng=random.Random(1))


def test_paths_context_variables_intrinsics_and_literals() -> None:
    template = {
        "id.$": "$.order.id",
        "skus.$": "$.order.lines[*].sku",
        "exec.$": "$$.Execution.Id",
        "limit.$": "$limit",
        "label.$": "States.Format('{}#{}', $.order.id, $$.Map.Item.Index)",
        "literal": "$.not.a.path",
        "nested": {"first.$": "$.order.lines[0]", "list": [{"x.$": "$limit"}, "$.plain", 1]},
        "none": None,
    }
    assert render(template) == {
        "id": "o-1",
        "skus": ["a", "b"],
        "exec": "arn:exec",
        "limit": 5,
        "label": "o-1#3",
        "literal": "$.not.a.path",
        "nested": {"first": {"sku": "a"}, "list": [{"x": 5}, "$.plain", 1]},
        "none": None,
    }


def test_result_does_not_share_objects_with_the_input() -> None:
    rendered = render({"lines.$": "$.order.lines"})
    rendered["lines"].append("changed")
    assert len(DATA["order"]["lines"]) == 2


def test_missing_path_has_the_aws_cause() -> None:
    with pytest.raises(StatesError) as caught:
        render_template({"value.$": "$.no_such_jsonpath"}, {"int-literal": 0})
    assert caught.value.error == "States.Runtime"
    assert caught.value.cause == (
        "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be "
        "found in the input '{\"int-literal\":0}'"
    )


def test_missing_context_path_keeps_the_double_dollar() -> None:
    with pytest.raises(StatesError) as caught:
        render({"value.$": "$$.Execution.Input.no"})
    assert "The JSONPath '$$.Execution.Input.no' specified for the field 'value.$'" in (
        caught.value.cause
    )


def test_missing_path_inside_an_intrinsic_names_the_field() -> None:
    with pytest.raises(StatesError) as caught:
        render({"nested": {"f.$": "States.Format('{}', $.nope)"}})
    assert caught.value.error == "States.Runtime"
    assert "specified for the field 'f.$'" in caught.value.cause


def test_non_string_dollar_value_is_an_error() -> None:
    with pytest.raises(StatesError) as caught:
        render({"bad.$": 3})
    assert caught.value.error == "States.Runtime"


def test_intrinsic_failure_propagates() -> None:
    with pytest.raises(StatesError) as caught:
        render({"r.$": "States.ArrayRange(0, 5000, 1)"})
    assert caught.value.error == "States.IntrinsicFailure"
