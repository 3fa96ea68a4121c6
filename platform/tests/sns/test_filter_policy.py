"""SNS filter policies beyond the recorded corpus: operators, types, scopes, limits and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ordermesh_platform.sns import InvalidFilterPolicyError, compile_filter_policy


def _attrs(**values: tuple[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"DataType": kind, "StringValue": text} for name, (kind, text) in values.items()}


def _delivers(policy: dict[str, Any], attributes: dict[str, Any] | None = None) -> bool:
    return compile_filter_policy(policy).matches("message", attributes or {})


def _body(policy: dict[str, Any], body: Any) -> bool:
    text = body if isinstance(body, str) else json.dumps(body)
    return compile_filter_policy(policy, "MessageBody").matches(text, {})


def _reason(policy: Any, scope: str = "MessageAttributes") -> str:
    with pytest.raises(InvalidFilterPolicyError) as error:
        compile_filter_policy(policy if isinstance(policy, str) else json.dumps(policy), scope)
    return error.value.reason


# --- attributes: types ---------------------------------------------------------------------


def test_number_attributes_compare_by_value_and_strings_never_equal_numbers() -> None:
    assert _delivers({"price": [301.5]}, _attrs(price=("Number", "3.015e2")))
    assert _delivers({"price": [{"numeric": ["=", 301.5]}]}, _attrs(price=("Number", "301.50")))
    assert not _delivers({"price": ["301.5"]}, _attrs(price=("Number", "301.5")))
    assert not _delivers({"price": [301.5]}, _attrs(price=("String", "301.5")))
    assert not _delivers({"price": [{"numeric": [">", 0]}]}, _attrs(price=("String", "5")))
    assert _delivers({"price": [{"numeric": [">", 0]}]}, _attrs(price=("Number.float", "5")))


def test_numeric_ranges_respect_inclusive_and_exclusive_bounds() -> None:
    policy = {"n": [{"numeric": [">", 0, "<=", 100]}]}
    assert _delivers(policy, _attrs(n=("Number", "100")))
    assert not _delivers(policy, _attrs(n=("Number", "0")))
    assert not _delivers(policy, _attrs(n=("Number", "100.00001")))
    assert _delivers({"n": [{"numeric": ["<", 0]}]}, _attrs(n=("Number", "-1e-5")))
    assert not _delivers({"n": [{"numeric": [">=", 10]}]}, _attrs(n=("Number", "9.99999")))


def test_string_array_attributes_match_any_element() -> None:
    policy = {"interests": ["rugby", "tennis"]}
    assert _delivers(policy, _attrs(interests=("String.Array", '["rugby", "golf"]')))
    assert not _delivers(policy, _attrs(interests=("String.Array", '["baseball"]')))
    assert _delivers({"n": [{"numeric": [">", 5]}]}, _attrs(n=("String.Array", "[1, 10]")))
    assert not _delivers(policy, _attrs(interests=("String.Array", "not json")))


def test_binary_attributes_exist_but_match_no_value() -> None:
    binary = {"blob": {"DataType": "Binary", "BinaryValue": b"rugby"}}
    assert not _delivers({"blob": ["rugby"]}, binary)
    assert _delivers({"blob": [{"exists": True}]}, binary)


# --- attributes: operators ------------------------------------------------------------------


def test_string_operators() -> None:
    store = _attrs(store=("String", "example-corp"))
    assert _delivers({"store": [{"prefix": "example-"}]}, store)
    assert _delivers({"store": [{"suffix": "-corp"}]}, store)
    assert _delivers({"store": [{"equals-ignore-case": "EXAMPLE-Corp"}]}, store)
    assert not _delivers({"store": [{"prefix": "corp"}]}, store)
    assert not _delivers({"store": ["Example-corp"]}, store)  # case-sensitive


def test_anything_but_forms() -> None:
    assert _delivers({"s": [{"anything-but": ["rugby", "tennis"]}]}, _attrs(s=("String", "golf")))
    assert not _delivers({"s": [{"anything-but": "rugby"}]}, _attrs(s=("String", "rugby")))
    assert not _delivers({"p": [{"anything-but": [100, 500]}]}, _attrs(p=("Number", "100.0")))
    assert _delivers({"p": [{"anything-but": [100, 500]}]}, _attrs(p=("Number", "100.1")))
    assert _delivers(
        {"s": [{"anything-but": ["rugby"]}]}, _attrs(s=("String.Array", '["rugby", "golf"]'))
    )
    prefix = {"s": [{"anything-but": {"prefix": "order-"}}]}
    assert _delivers(prefix, _attrs(s=("String", "payment-1")))
    assert not _delivers(prefix, _attrs(s=("String", "order-1")))
    assert not _delivers({"s": [{"anything-but": "x"}]}, {})  # needs the attribute


def test_cidr_matches_addresses_in_the_block_only() -> None:
    policy = {"ip": [{"cidr": "10.0.0.0/24"}]}
    assert _delivers(policy, _attrs(ip=("String", "10.0.0.255")))
    assert not _delivers(policy, _attrs(ip=("String", "10.0.1.0")))
    assert not _delivers(policy, _attrs(ip=("String", "not-an-ip")))
    assert _delivers({"ip": [{"cidr": "2001:db8::/32"}]}, _attrs(ip=("String", "2001:db8::1")))


def test_exists_false_needs_some_attribute_and_null_matches_no_attribute() -> None:
    assert _delivers({"store": [{"exists": False}]}, _attrs(other=("String", "x")))
    assert not _delivers({"store": [{"exists": False}]}, {})
    assert not _delivers({"attr1": [None, {"anything-but": "whatever"}]}, {})


def test_or_operator_and_and_logic() -> None:
    policy = {"source": ["shop"], "$or": [{"tier": ["gold"]}, {"amount": [{"numeric": [">", 9]}]}]}
    assert _delivers(policy, _attrs(source=("String", "shop"), tier=("String", "gold")))
    assert _delivers(policy, _attrs(source=("String", "shop"), amount=("Number", "10")))
    assert not _delivers(policy, _attrs(source=("String", "shop"), amount=("Number", "9")))
    assert not _delivers(policy, _attrs(source=("String", "web"), tier=("String", "gold")))
    # "$or" whose value is not an array of two or more objects is an ordinary property
    assert _delivers({"$or": ["x"]}, _attrs(**{"$or": ("String", "x")}))


def test_an_empty_policy_filters_nothing() -> None:
    assert _delivers({}, {})
    assert compile_filter_policy({}, "MessageBody").matches("not json", {})


# --- body -----------------------------------------------------------------------------------


def test_body_values_by_type() -> None:
    assert _body({"price": [{"numeric": [">=", 100]}]}, {"price": 3.015e2})
    assert not _body({"price": [{"numeric": [">=", 100]}]}, {"price": "301.5"})
    assert _body({"flag": [True], "gone": [None]}, {"flag": True, "gone": None})
    assert not _body({"flag": [True]}, {"flag": 1})


def test_body_arrays_and_dotted_keys() -> None:
    policy = {"headers": {"route-to": ["queue1"]}}
    assert _body(policy, {"headers": {"route-to": ["queue1", "queue2"]}})
    assert not _body(policy, {"headers": {"route-to": ["queue3"]}})
    assert _body({"a.b": {"c": [1]}}, {"a": {"b.c": 1}})
    assert _body({"a": {"b": {"c": [1]}}}, {"a.b.c": 1})


def test_body_exists_and_non_object_bodies() -> None:
    assert _body({"a": [{"exists": True}]}, {"a": [0]})
    assert not _body({"a": [{"exists": True}]}, {"a": None})
    assert not _body({"a": [{"exists": True}]}, {"a": []})
    assert _body({"a": [{"exists": False}]}, {})
    assert not _body({"a": [{"exists": False}]}, "plain text")
    assert not _body({"a": [{"exists": False}]}, "[1, 2]")


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        ({"key": [["value"]]}, "Match value must be String, number, true, false, or null"),
        ({"key": [{"wrong-operator": True}]}, "Unrecognized match type wrong-operator"),
        ({"key": [{"suffix": "a", "prefix": "b"}]}, "Only one key allowed in match expression"),
        ({"key": [{"numeric": []}]}, "Invalid member in numeric match: ]"),
        ({"key": [{"numeric": ["operator"]}]}, "Unrecognized numeric range operator: operator"),
        ({"key": [{"numeric": [1, "<="]}]}, "Invalid member in numeric match: 1"),
        ({"key": [{"numeric": ["=", "000"]}]}, "Value of equals must be numeric"),
        ({"key": [{"numeric": [">="]}]}, "Value of >= must be numeric"),
        ({"key": [{"numeric": ["<", 100, ">", 10]}]}, "Too many elements in numeric expression"),
        ({"key": [{"numeric": [">=", 1, ">", 2]}]}, "Bad numeric range operator: >"),
        ({"key": [{"numeric": [">", 3, "<", 1]}]}, "Bottom must be less than top"),
        ({"key": [{"numeric": [">", 20, "<="]}]}, "Value of <= must be numeric"),
        ({"key": [{"numeric": [">", 20, 30]}]}, "Bad value in numeric range: 30"),
        ({"key": [{"numeric": [">", 20, "test"]}]}, "Bad numeric range operator: test"),
        ({"key": [{"numeric": [">", "20", "<", "30"]}]}, "Value of > must be numeric"),
        (
            {"key": [{"numeric": [">", 20, "<", 30, "<", 50]}]},
            "Too many terms in numeric range expression",
        ),
        (
            {"key": [{"anything-but": {"equals-ignore-case": "x"}}]},
            "Unsupported anything-but pattern: equals-ignore-case",
        ),
        (
            {"key": [{"anything-but": [True]}]},
            "Inside anything but list, start|null|boolean is not supported.",
        ),
        ({"key": [{"cidr": "10.0.0.0/33"}]}, "IPv4 mask bits must be <= 32"),
        (
            {"object": {"key": [{"prefix": "auto-"}]}},
            "Filter policy scope MessageAttributes does not support nested filter policy",
        ),
        ("[]", "Filter policy must be a JSON object"),
    ],
)
def test_rejections_give_sns_reasons(policy: Any, reason: str) -> None:
    assert _reason(policy) == reason


def test_the_error_says_where_and_words_the_message_per_action() -> None:
    with pytest.raises(InvalidFilterPolicyError) as error:
        compile_filter_policy({"a": ["x"], "b": {"c": [{"prefix": 1}]}}, "MessageBody")
    assert error.value.path == "b.c[0].prefix"
    assert error.value.aws_message("Subscribe") == (
        "Invalid parameter: Attributes Reason: FilterPolicy: prefix match pattern must be a string"
    )
    assert error.value.aws_message("SetSubscriptionAttributes") == (
        "Invalid parameter: FilterPolicy: prefix match pattern must be a string"
    )


def test_nested_policies_are_accepted_in_the_body_scope() -> None:
    policy = compile_filter_policy({"object": {"key": [{"prefix": "auto-"}]}}, "MessageBody")
    assert policy.combinations == 2  # one value at depth 2


def test_limits_count_combinations_with_depth_and_or_branches() -> None:
    assert compile_filter_policy({"k": [f"v{i}" for i in range(150)]}).combinations == 150
    assert _reason({"k": [f"v{i}" for i in range(151)]}) == "Filter policy is too complex"
    nested = {"a": {"b": [f"v{i}" for i in range(75)]}}
    assert compile_filter_policy(nested, "MessageBody").combinations == 150
    nested["a"]["b"].append("one-more")
    assert _reason(nested, "MessageBody") == "Filter policy is too complex"
    six = {f"k{i}": ["v"] for i in range(6)}
    assert _reason(six) == "Filter policy can not have more than 5 keys"
    with_or = {"s": ["a", "b"], "$or": [{"x": ["1", "2"]}, {"y": ["1", "2", "3"]}]}
    assert compile_filter_policy(with_or).combinations == 2 * (2 + 3)


def test_scope_must_be_one_of_the_two() -> None:
    with pytest.raises(InvalidFilterPolicyError) as error:
        compile_filter_policy({"a": ["b"]}, "Body")
    assert error.value.field == "FilterPolicyScope"
    assert "Please use either MessageBody or MessageAttributes" in error.value.reason
