"""JSONata query language: {% %} expressions, $states, variables, SFN functions, errors."""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from typing import Any

import pytest
from ordermesh_platform.sfn.errors import StatesError
from ordermesh_platform.sfn.jsonata_eval import (
    UNDEFINED,
    evaluate_expression,
    is_jsonata_expression,
    render_jsonata,
)

STATES: dict[str, Any] = {
    "input": {"values": [1, 2, 3], "name": "Ann", "nothing": None},
    "context": {"Execution": {"Id": "arn:exec"}},
}
VARIABLES: dict[str, Any] = {"bias": 10, "empty": None}


def render(template: Any, rng: random.Random | None = None) -> Any:
    return render_jsonata(template, STATES, VARIABLES, rng=rng)


def test_recognises_only_whole_expression_strings() -> None:
    assert is_jsonata_expression("{% 1 %}")
    assert not is_jsonata_expression(" {% 1 %} ")
    assert not is_jsonata_expression("{%%")
    assert not is_jsonata_expression(1)


def test_renders_nested_templates() -> None:
    template = {
        "sum": "{% $sum($states.input.values) + $bias %}",
        "exec": "{% $states.context.Execution.Id %}",
        "literal": " {% states.input %} ",
        "list": ["{% $states.input.name %}", 2, None, {"n": "{% $states.input.nothing %}"}],
        "empty": "{% $empty %}",
    }
    assert render(template) == {
        "sum": 16,
        "exec": "arn:exec",
        "literal": " {% states.input %} ",
        "list": ["Ann", 2, None, {"n": None}],
        "empty": None,
    }


def test_whole_input_and_arrays_come_back_as_plain_python() -> None:
    result = render("{% $states.input %}")
    assert result == STATES["input"]
    assert type(render("{% $states.input.values %}")) is list
    assert render("{% [1, null] %}") == [1, None]


def test_step_functions_functions() -> None:
    assert render("{% $partition([1,2,3,4,5], 2) %}") == [[1, 2], [3, 4], [5]]
    assert render("{% $range(0, 10, 3) %}") == [0, 3, 6, 9]
    assert render("{% $range(1, 9, 9) %}") == 1
    assert render("{% $hash('abc', 'SHA-256') %}") == hashlib.sha256(b"abc").hexdigest()
    assert render("{% $parse('{\"a\": [1, null]}') %}") == {"a": [1, None]}
    seeded = render("{% $random(7) %}")
    assert seeded == render("{% $random(7) %}")
    assert 0 <= seeded < 1


def test_random_and_uuid_use_the_injected_source() -> None:
    template = {"r": "{% $random() %}", "u": "{% $uuid() %}"}
    first = render(template, random.Random(3))
    assert first == render(template, random.Random(3))
    assert uuid.UUID(first["u"]).version == 4


def test_undefined_is_an_error_with_the_field_path() -> None:
    with pytest.raises(StatesError) as caught:
        render_jsonata({"result": "{% $doesNotExist %}"}, STATES, {}, field="Output")
    assert caught.value.error == "States.QueryEvaluationError"
    assert caught.value.cause == (
        "The JSONata expression '$doesNotExist' specified for the field 'Output/result' "
        "returned nothing (undefined)."
    )


def test_undefined_can_be_allowed() -> None:
    assert evaluate_expression("$nope", STATES, {}, allow_undefined=True) is UNDEFINED


def test_evaluation_error_carries_the_jsonata_code() -> None:
    with pytest.raises(StatesError) as caught:
        render_jsonata(
            {"FunctionResult": "{% $randomSeeded($states.input.name) %}"},
            STATES,
            {},
            field="Output",
        )
    assert caught.value.cause == (
        "The JSONata expression '$randomSeeded($states.input.name)' specified for the field "
        "'Output/FunctionResult' threw an error during evaluation. "
        "T1006: Attempted to invoke a non-function"
    )


def test_function_result_is_unsupported() -> None:
    with pytest.raises(StatesError) as caught:
        render_jsonata("{% $fn := function($x){$x} %}", STATES, {}, field="Items")
    assert caught.value.cause == (
        "The JSONata expression '$fn := function($x){$x}' specified for the field 'Items' "
        "returned an unsupported result type."
    )


@pytest.mark.parametrize(
    "expression",
    ["$range(0, 5000, 1)", "$partition([1], 0)", "$hash('x', 'CRC')", "$parse('{')"],
)
def test_step_functions_function_errors(expression: str) -> None:
    with pytest.raises(StatesError) as caught:
        render("{% " + expression + " %}")
    assert caught.value.error == "States.QueryEvaluationError"
    assert "threw an error during evaluation" in caught.value.cause


def test_input_is_not_mutated() -> None:
    before = repr(STATES)
    render({"a": "{% $states.input %}", "b": "{% $merge([$states.input, {'x': 1}]) %}"})
    assert repr(STATES) == before


def test_millis_is_fresh_for_a_cached_expression() -> None:
    render("{% $millis() %}")
    render("{% 'another expression' %}")
    before = int(time.time() * 1000)
    assert render("{% $millis() %}") >= before
