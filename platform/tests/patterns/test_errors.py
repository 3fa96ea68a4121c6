"""Rejected patterns: what EventBridge refuses, with the reason and where it is."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest
from ordermesh_platform.patterns import InvalidEventPatternError, compile_pattern

INVALID: list[tuple[Any, str, str]] = [
    ({"detail": {"amount": [{"prefx": "a"}]}}, "Unrecognized match type prefx", "detail.amount"),
    ({"a": [{"anything_but": "x"}]}, "Unrecognized match type anything_but", "a"),
    ({"a": [{"Numeric": [">", 1]}]}, "Unrecognized match type Numeric", "a"),
    ({"a": [{}]}, "Match expression name not found", "a"),
    ({"a": [{"prefix": 3}]}, "prefix match pattern must be a string", "a"),
    ({"a": [{"suffix": ["x"]}]}, "suffix match pattern must be a string", "a"),
    ({"a": [{"prefix": {"wildcard": "x"}}]}, "Unsupported prefix pattern: wildcard", "a"),
    ({"a": [{"equals-ignore-case": 5}]}, "equals-ignore-case match pattern must be a string", "a"),
    ({"a": [{"wildcard": ["x*"]}]}, "wildcard match pattern must be a string", "a"),
    ({"a": [{"wildcard": "a**b"}]}, "Consecutive wildcard characters at pos 2", "a"),
    ({"a": [{"wildcard": "a\\b"}]}, "Invalid escape character at pos 2", "a"),
    ({"a": [{"exists": "yes"}]}, "exists match pattern must be either true or false.", "a"),
    ({"a": [{"exists": True, "prefix": "x"}]}, "Only one key allowed in match expression", "a"),
    ({"a": [{"prefix": "x", "suffix": "y"}]}, "Only one key allowed in match expression", "a"),
    ({"a": [{"cidr": 10}]}, "prefix match pattern must be a string", "a"),
    ({"a": [{"cidr": ["10.0.0.0/8"]}]}, "prefix match pattern must be a string", "a"),
    (
        {"$or": [{"a": [{"cidr": None}]}, {"b": ["x"]}]},
        "prefix match pattern must be a string",
        "$or[0].a",
    ),
    ({"a": [{"cidr": "10.0.0.0"}]}, "Malformed CIDR, one '/' required", "a"),
    ({"a": [{"cidr": "10.0.0.0/33"}]}, "IPv4 mask bits must be <= 32", "a"),
    ({"a": [{"cidr": "::/129"}]}, "IPv6 mask bits must be <= 128", "a"),
    ({"a": [{"cidr": "10.0.0.0/x"}]}, "Malformed CIDR, mask bits must be an integer", "a"),
    ({"a": [{"cidr": "foo/8"}]}, "Nonstandard IP address: foo", "a"),
    ({"a": [{"cidr": "300.0.0.0/8"}]}, "Invalid IP address: 300.0.0.0", "a"),
    ({"a": [{"numeric": 5}]}, "Value of numeric must be an array.", "a"),
    ({"a": [{"numeric": []}]}, "Invalid member in numeric match: ]", "a"),
    ({"a": [{"numeric": [5, ">"]}]}, "Invalid member in numeric match: 5", "a"),
    ({"a": [{"numeric": ["~", 5]}]}, "Unrecognized numeric range operator: ~", "a"),
    ({"a": [{"numeric": [">", "5"]}]}, "Value of > must be numeric", "a"),
    ({"a": [{"numeric": ["="]}]}, "Value of equals must be numeric", "a"),
    ({"a": [{"numeric": ["<", 5, ">", 1]}]}, "Too many elements in numeric expression", "a"),
    ({"a": [{"numeric": [">", 5, "<", 1]}]}, "Bottom must be less than top", "a"),
    ({"a": [{"numeric": [">=", 5, "<=", 5]}]}, "Bottom must be less than top", "a"),
    ({"a": [{"numeric": [">", 1, "=", 5]}]}, "Bad numeric range operator: =", "a"),
    ({"a": [{"numeric": [">", 1, 5]}]}, "Bad value in numeric range: 5", "a"),
    ({"a": [{"numeric": [">", 1, "<", 5, 6]}]}, "Too many terms in numeric range expression", "a"),
    ({"a": [{"numeric": [">", 6e9]}]}, "Value must be between", "a"),
    ({"a": [{"numeric": ["=", 0.0000001]}]}, "Only values upto 6 decimals are supported", "a"),
    ({"a": [{"numeric": [">", 0], "x": 1}]}, "Too many elements in numeric expression", "a"),
    ({"a": [{"anything-but": ["a", 1]}]}, "mixed type is not supported", "a"),
    ({"a": [{"anything-but": []}]}, "mixed type is not supported", "a"),
    ({"a": [{"anything-but": [None]}]}, "start|null|boolean is not supported", "a"),
    ({"a": [{"anything-but": True}]}, "must be an array or single string/number value", "a"),
    ({"a": [{"anything-but": 6e9}]}, "Value must be between", "a"),
    ({"a": [{"anything-but": {"prefix": ""}}]}, "Null prefix/suffix not allowed", "a"),
    ({"a": [{"anything-but": {"suffix": 5}}]}, "prefix/suffix match pattern must be a string", "a"),
    ({"a": [{"anything-but": {"foo": "x"}}]}, "Unsupported anything-but pattern: foo", "a"),
    ({"a": [{"anything-but": {}}]}, "Anything-But expression name not found", "a"),
    ({"a": [{"anything-but": {"wildcard": "x**"}}]}, "Consecutive wildcard characters", "a"),
    ({"a": [{"anything-but": {"equals-ignore-case": [1]}}]}, "number|start|null|boolean", "a"),
    ({"a": [{"anything-but": "x", "b": 1}]}, "Too many elements in numeric expression", "a"),
    ({"a": []}, "Empty arrays are not allowed", "a"),
    ({"a": {"b": []}}, "Empty arrays are not allowed", "a.b"),
    ({}, "Empty objects are not allowed", "<root>"),
    ({"a": {}}, "Empty objects are not allowed", "a"),
    ({"source": "ordermesh.orders"}, '"source" must be an object or an array', "source"),
    ({"detail": {"n": 5}}, '"n" must be an object or an array', "detail.n"),
    ({"a": [["x"]]}, "Match value must be String, number, true, false, or null", "a"),
    ({"a": [{1, 2}]}, "Match value must be String, number, true, false, or null", "a"),
    ({"a": [float("nan")]}, "Match value must be String, number, true, false, or null", "a"),
    ({"$or": [{"a": ["x"]}]}, "There must have at least 2 Objects in $or relationship.", "$or"),
    ({"$or": [{"a": ["x"]}, "b"]}, "Only JSON object is allowed in array of $or", "$or[1]"),
    ({"$or": {"a": {"b": "x"}}}, "It must be an Array followed with $or.", "$or"),
    (
        {"$or": [{"prefix": ["x"]}, {"a": ["y"]}]},
        "prefix is Ruler reserved fieldName which cannot be used inside $or.",
        "$or[0].prefix",
    ),
    (
        {"detail": {"$or": [{"a": ["x"]}, {"b": [{"numeric": [">", "high"]}]}]}},
        "Value of > must be numeric",
        "detail.$or[1].b",
    ),
    (
        {"x": ["1"], "$or": [{"a": ["x"]}, {"$or": [{"b": ["y"]}, {"c": []}]}]},
        "Empty arrays are not allowed",
        "$or[1].$or[1].c",
    ),
]


@pytest.mark.parametrize(
    ("pattern", "reason", "path"),
    INVALID,
    ids=[f"{reason} @ {path}" for _, reason, path in INVALID],
)
def test_rejects_with_reason_and_path(pattern: Any, reason: str, path: str) -> None:
    with pytest.raises(InvalidEventPatternError) as caught:
        compile_pattern(pattern)
    assert reason in caught.value.reason
    assert caught.value.path == path
    assert str(caught.value) == (
        f"Event pattern is not valid. Reason: {caught.value.reason} at {path}"
    )


def test_is_a_value_error_that_pickles() -> None:
    with pytest.raises(ValueError, match="Unrecognized match type prefx") as caught:
        compile_pattern({"a": [{"prefx": "x"}]})
    copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own object
    assert isinstance(copy, InvalidEventPatternError)
    assert (copy.reason, copy.path, str(copy)) == (
        caught.value.reason,
        caught.value.path,
        str(caught.value),
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a": ["x"]', "Invalid JSON"),
        ('{"a": [NaN]}', "Invalid JSON"),
        ('["a"]', "Filter is not an object"),
        ('"a"', "Filter is not an object"),
    ],
)
def test_rejects_text_that_is_not_a_pattern_object(text: str, reason: str) -> None:
    with pytest.raises(InvalidEventPatternError, match=reason) as caught:
        compile_pattern(text)
    assert caught.value.path == "<root>"


def test_rejects_what_is_neither_text_nor_mapping() -> None:
    with pytest.raises(InvalidEventPatternError, match="Filter is not an object"):
        compile_pattern(["a"])  # type: ignore[arg-type]


def test_limits() -> None:
    wide = {f"f{n}": ["x"] for n in range(257)}
    with pytest.raises(InvalidEventPatternError, match="at most 256 fields"):
        compile_pattern(wide)
    compile_pattern({f"f{n}": ["x"] for n in range(256)})
    long_text = json.dumps({"a": ["x" * 4100]})
    with pytest.raises(InvalidEventPatternError, match="maximum is 4096"):
        compile_pattern(long_text)
    many_branches = {f"k{n}": {"$or": [{"a": ["1"]}, {"b": ["2"]}]} for n in range(13)}
    with pytest.raises(InvalidEventPatternError, match="exceed 4096 branches"):
        compile_pattern(many_branches)


@pytest.mark.parametrize(
    "pattern",
    [
        {"$or": [{"cidr": "10.0.0.0/24"}]},
        {"source": ["aws.cloudwatch"], "$or": {"metricType": ["MetricType"]}},
        {"detail": {"$or": [{"numeric": [">", 0, "<=", 5]}, {"cidr": "10.0.0.0/8"}]}},
    ],
)
def test_or_that_is_no_or_construct_is_a_field_name(pattern: Any) -> None:
    compiled = compile_pattern(pattern)
    assert "$or" in compiled.source


def test_valid_operands_at_the_limits() -> None:
    compile_pattern({"a": [{"numeric": [">=", -5e9, "<=", 5e9]}]})
    compile_pattern({"a": [{"numeric": ["=", 0.000001]}]})
    compile_pattern({"a": [{"anything-but": {"prefix": ["a", "b"]}}]})
    compile_pattern({"a": [{"wildcard": "a\\*b\\\\c*"}]})
    compile_pattern({"a": [1e10, 0.1234567]})
