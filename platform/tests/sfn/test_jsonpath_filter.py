"""JSONPath filter expressions (``[?(...)]``) with the semantics of Jayway, Step Functions' engine.

One test per grammar feature on ``evaluate_path``, the edges Jayway decides (see the decision note
2026-12-05-jsonpath-filters), syntax errors with their position, and filters end to end through
an execution in each field that takes a path.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from ordermesh_platform.sfn.errors import StatesError
from ordermesh_platform.sfn.interpreter import DONE, Execution
from ordermesh_platform.sfn.jsonpath import JsonPathSyntaxError, evaluate_path, resolve_path
from ordermesh_platform.sfn.validation import validate_definition

ORDER: dict[str, Any] = {"items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]}
A, B = ORDER["items"]

STOCK: dict[str, Any] = {
    "min": 2,
    "skus": ["a", "c"],
    "items": [
        {"sku": "a", "qty": 2, "price": 9.5, "tags": ["x"], "meta": {"color": "red"}},
        {"sku": "b", "qty": 1, "active": False, "tags": [], "meta": {"color": "blue"}},
        {"sku": "c", "qty": "3", "active": True, "note": None},
        {"sku": "D", "qty": 5, "code": "5"},
    ],
    "nums": [0, 1, 2, 3],
    "one": {"qty": 7},
    "deep": {"wrap": {"items": [{"qty": 3}, {"qty": 0}]}},
}
I0, I1, I2, I3 = STOCK["items"]


def skus(path: str) -> list[str]:
    return [item["sku"] for item in evaluate_path(path, STOCK)]


def test_issue_example_selects_the_items_that_match() -> None:
    assert evaluate_path("$.items[?(@.qty > 1)]", ORDER) == [A]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("@.qty == 2", ["a"]),
        ("@.qty != 2", ["b", "c", "D"]),
        ("@.qty < 2", ["b"]),
        ("@.qty <= 2", ["a", "b"]),
        ("@.qty > 2", ["D"]),
        ("@.qty >= 2", ["a", "D"]),
        ("@.price == 9.50", ["a"]),
        ("@.qty > -1.5e0", ["a", "b", "D"]),
    ],
)
def test_number_comparisons(expression: str, expected: list[str]) -> None:
    assert skus(f"$.items[?({expression})]") == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("@.sku == 'a'", ["a"]),
        ('@.sku == "b"', ["b"]),
        ("@.sku != 'a'", ["b", "c", "D"]),
        ("@.sku > 'a'", ["b", "c"]),  # 'D' sorts before 'a': Java's String.compareTo
        ("@.sku <= 'D'", ["D"]),
        ("@.meta.color == 'it\\'s'", []),
    ],
)
def test_string_comparisons_in_single_or_double_quotes(
    expression: str, expected: list[str]
) -> None:
    assert skus(f"$.items[?({expression})]") == expected


def test_string_literals_unescape_like_jayway() -> None:
    data = {"xs": [{"s": "it's"}, {"s": 'say "hi"'}, {"s": "tab\there"}]}
    assert evaluate_path("$.xs[?(@.s == 'it\\'s')]", data) == [data["xs"][0]]
    assert evaluate_path('$.xs[?(@.s == "say \\"hi\\"")]', data) == [data["xs"][1]]
    assert evaluate_path("$.xs[?(@.s == 'tab\\there')]", data) == [data["xs"][2]]


def test_boolean_comparisons() -> None:
    assert skus("$.items[?(@.active == false)]") == ["b"]
    assert skus("$.items[?(@.active == true)]") == ["c"]
    assert skus("$.items[?(@.active != true)]") == ["a", "b", "D"]


def test_null_comparison_matches_only_a_null_value() -> None:
    assert skus("$.items[?(@.note == null)]") == ["c"]
    assert skus("$.items[?(@.note != null)]") == ["a", "b", "D"]


def test_equality_converts_between_numbers_and_strings_as_jayway_does() -> None:
    # NumberNode.equals parses the string; StringNode.equals prints the number (BigDecimal).
    assert skus("$.items[?(@.qty == '3')]") == ["c"]
    assert skus("$.items[?(@.qty == '2.0')]") == ["a"]
    assert skus("$.items[?(@.code == 5)]") == ["D"]
    assert skus("$.items[?(@.code == 5.0)]") == []
    # Ordering never converts: only c's qty, a string, is ordered against a string.
    assert skus("$.items[?(@.qty > '1')]") == ["c"]


def test_a_missing_field_matches_no_comparison_but_not_equal() -> None:
    assert skus("$.items[?(@.missing == 1)]") == []
    assert skus("$.items[?(@.missing < 1)]") == []
    assert skus("$.items[?(@.missing != 1)]") == ["a", "b", "c", "D"]
    assert skus("$.items[?(@.missing.deeper == 1)]") == []


def test_and_or_and_precedence() -> None:
    assert skus("$.items[?(@.qty >= 1 && @.sku != 'a')]") == ["b", "D"]
    assert skus("$.items[?(@.sku == 'a' || @.sku == 'D')]") == ["a", "D"]
    # && binds tighter than ||.
    assert skus("$.items[?(@.sku == 'a' || @.sku == 'b' && @.qty == 2)]") == ["a"]
    assert skus("$.items[?((@.sku == 'a' || @.sku == 'b') && @.qty == 1)]") == ["b"]


def test_not_negates_a_group() -> None:
    assert skus("$.items[?(!(@.qty > 1))]") == ["b", "c"]
    assert skus("$.items[?(!(@.sku == 'a' || @.sku == 'b'))]") == ["c", "D"]
    assert skus("$.items[?(!'a' == @.sku)]") == ["b", "c", "D"]


def test_not_before_a_path_is_an_absence_check() -> None:
    assert skus("$.items[?(!@.tags)]") == ["c", "D"]
    assert skus("$.items[?(! @.active && @.qty > 1)]") == ["a", "D"]


def test_not_before_a_compared_path_is_ignored_as_in_jayway() -> None:
    # Jayway reads '!@.qty == 2' as '@.qty == 2': the '!' only marks an existence check.
    assert skus("$.items[?(!@.qty == 2)]") == ["a"]


def test_nested_fields_and_indexes_in_at_paths() -> None:
    assert skus("$.items[?(@.meta.color == 'red')]") == ["a"]
    assert skus("$.items[?(@['meta']['color'] == 'blue')]") == ["b"]
    assert skus("$.items[?(@.tags[0] == 'x')]") == ["a"]
    assert evaluate_path("$.nums[?(@ > 1)]", STOCK) == [2, 3]


def test_existence() -> None:
    assert skus("$.items[?(@.tags)]") == ["a", "b"]  # an empty array exists (Jayway 2.9)
    assert skus("$.items[?(@.note)]") == ["c"]  # a null value exists
    assert skus("$.items[?(@.meta.color)]") == ["a", "b"]
    assert skus("$.items[?(@.active)]") == ["b", "c"]  # existence, not truth


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("@.sku =~ /[a-c]/", ["a", "b", "c"]),
        ("@.sku =~ /A/i", ["a"]),
        ("@.sku =~ /a|d/i", ["a", "D"]),
        ("@.meta.color =~ /re/", []),  # the whole value must match
        ("@.meta.color =~ /re.*/", ["a"]),
        ("@.qty =~ /[25]/", ["a", "D"]),  # a number is matched as its text
        ("@.active =~ /true/", ["c"]),
        ("/B/i =~ @.sku", ["b"]),  # the pattern may be on either side
        ("@.url =~ /a\\/b/", []),
    ],
)
def test_regular_expressions(expression: str, expected: list[str]) -> None:
    assert skus(f"$.items[?({expression})]") == expected


def test_a_missing_field_is_matched_as_empty_text() -> None:
    assert skus("$.items[?(@.missing =~ /.*/)]") == ["a", "b", "c", "D"]


def test_in_and_nin_with_a_list_literal() -> None:
    assert skus("$.items[?(@.sku in ['a', 'c'])]") == ["a", "c"]
    assert skus('$.items[?(@.sku IN ["b"])]') == ["b"]
    assert skus("$.items[?(@.sku nin ['a', 'c'])]") == ["b", "D"]
    assert skus("$.items[?(@.qty in [2, 5.0])]") == ["a", "D"]
    assert skus("$.items[?(@.qty in ['3', true, null])]") == ["c"]
    assert skus("$.items[?(@.missing in ['a'])]") == []
    assert skus("$.items[?(@.missing nin ['a'])]") == ["a", "b", "c", "D"]


def test_in_with_a_path_to_a_list() -> None:
    assert skus("$.items[?(@.sku in $.skus)]") == ["a", "c"]


def test_in_with_something_other_than_a_list_rejects_the_item() -> None:
    # Jayway throws inside the predicate, which rejects the item whatever else the filter says.
    assert skus("$.items[?(@.sku in 'a')]") == []
    assert skus("$.items[?(@.sku nin 'a' || @.qty == 2)]") == []
    assert skus("$.items[?(@.sku in $.one)]") == []  # an object: no match, no rejection
    assert skus("$.items[?(@.sku nin $.one)]") == ["a", "b", "c", "D"]


def test_equality_with_a_list_literal() -> None:
    assert skus("$.items[?(@.tags == ['x'])]") == ["a"]
    assert skus("$.items[?(@.tags == [])]") == ["b"]
    assert skus("$.items[?(@.meta == {'color': 'red'})]") == ["a"]


def test_dollar_paths_read_the_root() -> None:
    assert skus("$.items[?(@.qty >= $.min)]") == ["a", "D"]
    assert skus("$.items[?(@.qty >= $.nothing)]") == []


def test_filter_over_an_object_applies_to_the_object_itself() -> None:
    assert evaluate_path("$.one[?(@.qty > 1)]", STOCK) == [{"qty": 7}]
    assert evaluate_path("$.one[?(@.qty > 9)]", STOCK) == []


def test_filter_over_a_primitive_fails_like_jayway() -> None:
    with pytest.raises(StatesError) as caught:
        evaluate_path("$.min[?(@ > 1)]", STOCK)
    assert caught.value.error == "States.Runtime"
    assert caught.value.cause == (
        "Invalid path '$.min[?(@ > 1)]' : Filter: [?] can not be applied to primitives. "
        "Current context is: 2"
    )


def test_filter_over_primitives_after_an_indefinite_step_skips_them() -> None:
    assert evaluate_path("$.items[*].qty[?(@ > 1)]", STOCK) == []


def test_the_result_is_always_a_list() -> None:
    assert evaluate_path("$.items[?(@.sku == 'a')]", STOCK) == [I0]
    assert evaluate_path("$.items[?(@.sku == 'zz')]", STOCK) == []
    # Like every indefinite path on a missing field (AWS records '$.items[*]' on {} as []).
    assert evaluate_path("$.missing[?(@.sku == 'zz')]", STOCK) == []


def test_steps_after_a_filter() -> None:
    assert evaluate_path("$.items[?(@.qty > 1)].sku", ORDER) == ["a"]
    assert evaluate_path("$.items[?(@.meta)].meta.color", STOCK) == ["red", "blue"]


def test_filter_after_deep_scan() -> None:
    data = {"order": ORDER, "returns": {"items": [{"sku": "z", "qty": 4}]}}
    assert evaluate_path("$..items[?(@.qty > 1)]", data) == [A, {"sku": "z", "qty": 4}]
    assert evaluate_path("$..[?(@.qty > 2)]", STOCK) == [I3, {"qty": 7}, {"qty": 3}]


def test_spaces_around_the_filter_and_its_parts() -> None:
    assert evaluate_path("$.items[ ?( @.qty>1 ) ]", ORDER) == [A]
    assert evaluate_path("$.items[?(@.qty>1&&@.sku=='a')]", ORDER) == [A]
    # A path runs to a space, an operator character or ')': this is one path, '@['sku&&@']['qty']'.
    assert evaluate_path("$.items[?(@.sku&&@.qty)]", ORDER) == []


def test_filters_on_context_and_variables() -> None:
    variables = {"order": ORDER}
    assert resolve_path("$order.items[?(@.qty > 1)]", {}, None, variables) == [A]
    context = {"Execution": {"Input": ORDER}}
    assert resolve_path("$$.Execution.Input.items[?(@.qty < 2)]", {}, context) == [B]


def _syntax_error(path: str) -> str:
    with pytest.raises(JsonPathSyntaxError) as caught:
        evaluate_path(path, STOCK)
    assert caught.value.error == "States.Runtime"
    assert caught.value.cause.startswith(f"Invalid path '{path}' : ")
    return caught.value.detail


@pytest.mark.parametrize(
    ("marked", "fragment"),
    [
        ("$.items[?(@.qty > ^)]", "Expected a value"),
        ("$.items[?(@.qty > 1 && ^)]", "Expected a value"),
        ("$.items[?^(@.qty > 1]", "Filter is not closed"),
        ("$.items[?(@.qty > 1) ^x]", "Expected ']' after the filter"),
        ("$.items^[?@.qty]", "Filter must have the form [?(<expression>)]"),
        ("$.items[?(@.qty ^size 1)]", "Filter operator 'size' is not supported"),
        ("$.items[?(@.qty ^=== 1)]", "Filter operator '===' is not supported"),
        ("$.items[?(^1)]", "A literal must be compared with something"),
        ("$.items[?(@.sku == ^'a)]", "String literal is not closed"),
        ("$.items[?(@.sku =~ ^/a)]", "Regular expression is not closed"),
        ("$.items[?(@.sku =~ ^/[a/)]", "Invalid regular expression"),
        ("$.items[?(@.qty == ^1-2)]", "Invalid number '1-2'"),
        ("$.items[?(@.qty == 1^x)]", "Unexpected text 'x'"),
        ("$.items[?(@.qty == ^!1)]", "Unexpected character '!'"),
        ("$.items[?((@.qty == 1 ^@.sku))]", "Expected ')'"),
        ("$.items[?(@.qty == 1) ]^]", "Unexpected character ']'"),
        ("$.items[?(^@.tags[*] == 1)]", "Only definite paths"),
        ("$.items[?(^@..qty == 1)]", "Only definite paths"),
        ("$.items[?(^@.tags.length() > 1)]", "Path functions are not supported"),
        ("$.items[?(@.sku in ^['a' 'b'])]", "Invalid list or object literal"),
        ("$.items[?(@.sku in ^['a', 'b')]", "List or object literal is not closed"),
    ],
)
def test_syntax_errors_say_what_and_where(marked: str, fragment: str) -> None:
    """``^`` marks where the error is; it is not part of the path."""
    position = marked.index("^")
    detail = _syntax_error(marked.replace("^", "", 1))
    assert fragment in detail
    assert detail.endswith(f"at position {position}") or f"at position {position}:" in detail


# --- end to end: a filter in each field that takes a path -----------------------------------


def run(definition: dict[str, Any], execution_input: Any) -> Execution:
    """Validate ``definition`` as CreateStateMachine does, then run it to the end."""
    validate_definition(definition)
    execution = Execution(
        definition,
        execution_arn="arn:aws:states:us-east-1:111111111111:execution:m:e",
        state_machine_arn="arn:aws:states:us-east-1:111111111111:stateMachine:m",
        name="e",
        execution_input=execution_input,
        start_time=0.0,
        role_arn="arn:aws:iam::111111111111:role/r",
        now=lambda: 0.0,
        rng=random.Random(0),
    )
    for _ in range(100):
        if execution.step() == DONE:
            break
    return execution


def one_state(state: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "S", "States": {"S": {**state, "End": True}}}


def succeeded(execution: Execution) -> Any:
    assert execution.status == "SUCCEEDED", (execution.state["error"], execution.state["cause"])
    return execution.state["output"]


def test_parameters_field_takes_the_issue_example() -> None:
    machine = one_state({"Type": "Pass", "Parameters": {"big.$": "$.items[?(@.qty > 1)]"}})
    assert succeeded(run(machine, ORDER)) == {"big": [A]}


def test_input_path() -> None:
    machine = one_state({"Type": "Pass", "InputPath": "$.items[?(@.qty < 2)]"})
    assert succeeded(run(machine, ORDER)) == [B]


def test_items_path_of_a_map() -> None:
    machine = one_state(
        {
            "Type": "Map",
            "ItemsPath": "$.items[?(@.qty > 1)]",
            "ItemProcessor": {
                "StartAt": "Sku",
                "States": {"Sku": {"Type": "Pass", "InputPath": "$.sku", "End": True}},
            },
        }
    )
    assert succeeded(run(machine, ORDER)) == ["a"]


def test_result_selector() -> None:
    machine = one_state(
        {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}},
            "ResultSelector": {"big.$": "$[?(@.qty > 1)]"},
        }
    )
    assert succeeded(run(machine, ORDER)) == {"big": [A]}


def test_deep_scan_filter_in_parameters() -> None:
    machine = one_state({"Type": "Pass", "Parameters": {"big.$": "$..items[?(@.qty > 1)]"}})
    assert succeeded(run(machine, {"order": ORDER})) == {"big": [A]}


def test_invalid_filter_fails_the_execution_with_its_position() -> None:
    machine = one_state({"Type": "Pass", "Parameters": {"big.$": "$.items[?(@.qty > )]"}})
    execution = run(machine, ORDER)
    assert execution.status == "FAILED"
    assert execution.state["error"] == "States.Runtime"
    assert "Expected a value" in execution.state["cause"]
    assert "at position 18" in execution.state["cause"]
