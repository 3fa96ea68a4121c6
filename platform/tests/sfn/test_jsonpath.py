"""JSONPath evaluation, Reference Paths and InputPath/ResultPath/OutputPath as AWS applies them."""

from __future__ import annotations

from typing import Any

import pytest
from ordermesh_platform.sfn.errors import StatesError
from ordermesh_platform.sfn.json_text import to_json
from ordermesh_platform.sfn.jsonpath import (
    JsonPathNotFoundError,
    apply_input_path,
    apply_output_path,
    apply_result_path,
    evaluate_path,
    is_definite,
    resolve_path,
)

DATA: dict[str, Any] = {
    "a": {"b": 1, "c": [10, 20, 30]},
    "items": [{"v": 1, "x": {"v": 9}}, {"v": 2}, {"w": 3}],
    "int-literal": 0,
    "it's": "quoted",
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DATA),
        ("$.a.b", 1),
        ("$['a']['b']", 1),
        ('$["a"].c[1]', 20),
        ("$.a.c[-1]", 30),
        ("$.int-literal", 0),
        ("$['it\\'s']", "quoted"),
        ("$.items[*].v", [1, 2]),
        ("$.a.c[*]", [10, 20, 30]),
        ("$.a.c[1:]", [20, 30]),
        ("$.a.c[:1]", [10]),
        ("$.a.c[0,2]", [10, 30]),
        ("$.items..v", [1, 9, 2]),
        ("$..b", [1]),
        ("$.a.*", [1, [10, 20, 30]]),
        ("$.nothing[*]", []),
    ],
)
def test_evaluate_path(path: str, expected: Any) -> None:
    assert evaluate_path(path, DATA) == expected


def test_definite_and_indefinite_paths() -> None:
    assert is_definite("$.a['b'][0]")
    assert not is_definite("$.a[*]")
    assert not is_definite("$..a")
    assert not is_definite("$.a[1:2]")


def test_missing_leaf_uses_jayway_message() -> None:
    with pytest.raises(JsonPathNotFoundError) as caught:
        evaluate_path("$.a.missing", DATA)
    assert caught.value.error == "States.Runtime"
    assert caught.value.cause == (
        "Invalid path '$.a.missing' : No results for path: $['a']['missing']"
    )


def test_missing_intermediate_uses_jayway_message() -> None:
    with pytest.raises(JsonPathNotFoundError) as caught:
        evaluate_path("$.x.y", DATA)
    assert caught.value.detail == "Missing property in path $['x']"


def test_index_out_of_range_is_not_found() -> None:
    with pytest.raises(JsonPathNotFoundError):
        evaluate_path("$.a.c[3]", DATA)


def test_resolve_context_and_variables() -> None:
    context = {"Execution": {"Id": "arn:x"}}
    variables = {"answer": {"value": [42]}}
    assert resolve_path("$$.Execution.Id", DATA, context, variables) == "arn:x"
    assert resolve_path("$answer.value[0]", DATA, context, variables) == 42
    assert resolve_path("$answer", DATA, context, variables) == {"value": [42]}
    with pytest.raises(JsonPathNotFoundError) as caught:
        resolve_path("$$.Execution.Nope", DATA, context, variables)
    assert caught.value.path == "$$.Execution.Nope"
    with pytest.raises(JsonPathNotFoundError):
        resolve_path("$unknown", DATA, context, variables)


def test_input_and_output_path() -> None:
    assert apply_input_path(DATA, "$.a") == DATA["a"]
    assert apply_input_path(DATA, None) == {}
    assert apply_output_path(DATA, None) == {}
    with pytest.raises(StatesError) as caught:
        apply_output_path({"int-literal": 0}, "$.NoSuchOutputPath")
    assert caught.value.cause == (
        "Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']"
    )


def test_result_path_variants() -> None:
    state_input = {"a": {"keep": True}, "list": [1, 2]}
    assert apply_result_path(state_input, 5, None) == state_input
    assert apply_result_path(state_input, 5, "$") == 5
    assert apply_result_path(state_input, 5, "$.a.b") == {
        "a": {"keep": True, "b": 5},
        "list": [1, 2],
    }
    assert apply_result_path(state_input, 5, "$.new.deep") == {**state_input, "new": {"deep": 5}}
    assert apply_result_path(state_input, 5, "$.list[1]") == {"a": {"keep": True}, "list": [1, 5]}
    assert state_input == {"a": {"keep": True}, "list": [1, 2]}, "input must not be mutated"


@pytest.mark.parametrize(
    ("state_input", "path"),
    [("text", "$.a"), ({"list": [1]}, "$.list[3]"), ({"a": 1}, "$.a[*]")],
)
def test_result_path_that_cannot_apply(state_input: Any, path: str) -> None:
    with pytest.raises(StatesError) as caught:
        apply_result_path(state_input, 1, path)
    assert caught.value.error == "States.ResultPathMatchFailure"


def test_to_json_is_compact_and_keeps_unicode() -> None:
    assert to_json({"a": [1, "é"]}) == '{"a":[1,"é"]}'
