"""States.* intrinsic functions: parsing, results and AWS-style failures."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from ordermesh_platform.sfn.errors import StatesError
from ordermesh_platform.sfn.intrinsic_parser import Call, Literal, PathArg, parse_intrinsic
from ordermesh_platform.sfn.intrinsics import evaluate_intrinsic

DATA: dict[str, Any] = {
    "name": "Ann",
    "arr": [1, 2, 2, 3, 3, 4],
    "obj": {"a": 1},
    "csv": "a,b,,c",
    "raw": "Hello World",
    "n": 1.5,
}
CONTEXT = {"Execution": {"Id": "arn:exec"}, "StateMachine": {"Name": "my-machine"}}
VARIABLES = {"who": "Bob", "x": 2}


def ev(text: str, rng: random.Random | None = None) -> Any:
    return evaluate_intrinsic(text, DATA, CONTEXT, VARIABLES, rng=rng)


def test_parse_nested_call_with_all_argument_kinds() -> None:
    call = parse_intrinsic("States.Array('It\\'s', -1.5, 2, true, null, $.a[0], States.UUID())")
    assert call == Call(
        "States.Array",
        (
            Literal("It's", "It\\'s"),
            Literal(-1.5),
            Literal(2),
            Literal(value=True),
            Literal(None),
            PathArg("$.a[0]"),
            Call("States.UUID", ()),
        ),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.Format('Hello {}, from {}!', $.name, $who)", "Hello Ann, from Bob!"),
        ("States.Format('\\{\\} {} \\'q\\'', $.n)", "{} 1.5 'q'"),
        ("States.Format('{}', $.obj)", "{a=1}"),
        ("States.Format('{} {}', null, true)", "null true"),
        ("States.StringToJson('{\"k\": [1]}')", {"k": [1]}),
        ("States.JsonToString($.obj)", '{"a":1}'),
        ("States.Array()", []),
        ("States.Array($.name, 1, $$.Execution.Id)", ["Ann", 1, "arn:exec"]),
        ("States.ArrayPartition($.arr, 4)", [[1, 2, 2, 3], [3, 4]]),
        ("States.ArrayContains($.arr, 3)", True),
        ("States.ArrayContains($.arr, 9)", False),
        ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
        ("States.ArrayGetItem($.arr, 5)", 4),
        ("States.ArrayLength($.arr)", 6),
        ("States.ArrayUnique($.arr)", [1, 2, 3, 4]),
        ("States.Base64Encode($.raw)", "SGVsbG8gV29ybGQ="),
        ("States.Base64Decode('SGVsbG8gV29ybGQ=')", "Hello World"),
        ("States.Hash('abc', 'MD5')", "900150983cd24fb0d6963f7d28e17f72"),
        ("States.Hash('abc', 'SHA-1')", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (
            "States.Hash('Hash this string', 'SHA-256')",
            "1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e",
        ),
        ("States.JsonMerge($.obj, States.StringToJson('{\"b\":2}'), false)", {"a": 1, "b": 2}),
        ("States.MathAdd($.n, $x)", 4),
        ("States.MathAdd(-1.5, 0)", -1),
        ("States.StringSplit($.csv, ',')", ["a", "b", "c"]),
        ("States.StringSplit('a.b+c', '.+')", ["a", "b", "c"]),
        ("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)", "my"),
    ],
)
def test_functions(text: str, expected: Any) -> None:
    assert ev(text) == expected


def test_hash_sha384_and_sha512_lengths() -> None:
    assert len(ev("States.Hash('x', 'SHA-384')")) == 96
    assert len(ev("States.Hash('x', 'SHA-512')")) == 128


def test_randomness_comes_from_the_injected_source() -> None:
    first = ev("States.Array(States.UUID(), States.MathRandom(0, 1000))", random.Random(7))
    again = ev("States.Array(States.UUID(), States.MathRandom(0, 1000))", random.Random(7))
    assert first == again
    assert uuid.UUID(first[0]).version == 4
    assert 0 <= first[1] < 1000


def test_seeded_math_random_is_deterministic() -> None:
    values = {ev("States.MathRandom(0, 1000, 42)") for _ in range(3)}
    assert len(values) == 1


@pytest.mark.parametrize(
    ("start", "end", "low", "high"),
    [
        (1.5, 9.25, 2, 8),  # 1.5 rounds half up to 2, 9.25 to 9; the end is excluded
        (12.5, 44.51, 13, 44),  # the bounds of the execution AWS recorded
        (-1.5, 0.5, -1, 0),  # Java's Math.round: -1.5 -> -1, 0.5 -> 1
        (0.49, 2.5, 0, 2),
    ],
)
def test_math_random_rounds_fractional_bounds(
    start: float, end: float, low: int, high: int
) -> None:
    data = {"FunctionInput": {"fst": start, "snd": end}}
    seen = {
        evaluate_intrinsic(
            "States.MathRandom($.FunctionInput.fst, $.FunctionInput.snd)",
            data,
            rng=random.Random(i),
        )
        for i in range(200)
    }
    assert all(type(value) is int for value in seen)
    assert min(seen) == low
    assert max(seen) == high


def test_seeded_math_random_with_fractional_bounds_is_deterministic() -> None:
    values = {ev("States.MathRandom(1.5, 9.25, 42)") for _ in range(3)}
    assert values == {ev("States.MathRandom(2, 9, 42)")}
    assert ev("States.MathRandom(1.5, 9.25, 42.4)") == ev("States.MathRandom(2, 9, 42)")


@pytest.mark.parametrize(
    "arguments",
    ["'1', 5", "1, '5'", "true, 5", "1, false", "null, 5", "1, null", "1, 5, 'seed'"],
)
def test_math_random_rejects_bounds_and_seeds_that_are_not_numbers(arguments: str) -> None:
    with pytest.raises(StatesError) as caught:
        ev(f"States.MathRandom({arguments})")
    assert caught.value.error == "States.IntrinsicFailure"
    assert "of the function 'States.MathRandom' must be a number" in caught.value.cause


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "States.MathRandom(1.2, 1.4)",
            "start value (1) for the function 'States.MathRandom' must",
        ),
        ("States.ArrayRange(0, 2000, 1)", "the maximum is 1000"),
        ("States.ArrayRange(0, 10, 0)", "must not be 0"),
        ("States.ArrayGetItem($.arr, 10)", "out of bounds"),
        ("States.ArrayLength($.name)", "must be an array"),
        ("States.ArrayPartition($.arr, 0)", "positive integer"),
        ("States.MathAdd(1)", "expected 2, got 1"),
        ("States.MathAdd('a', 1)", "must be a number"),
        ("States.StringToJson('{bad')", "could not parse"),
        ("States.Base64Decode('***')", "base64"),
        ("States.Hash('x', 'SHA-999')", "not supported"),
        ("States.JsonMerge($.obj, $.obj, true)", "shallow"),
        ("States.Format('{} {}', 1)", "placeholders"),
        ("States.MathRandom(5, 5)", "less than"),
        ("States.Nope(1)", "not supported"),
        ("States.Format('x'", "expected ',' or ')'"),
        ("States.Format('x) ", "unterminated"),
    ],
)
def test_failures_are_intrinsic_failures(text: str, fragment: str) -> None:
    with pytest.raises(StatesError) as caught:
        ev(text)
    assert caught.value.error == "States.IntrinsicFailure"
    assert fragment in caught.value.cause


def test_string_longer_than_10000_characters_fails() -> None:
    with pytest.raises(StatesError) as caught:
        evaluate_intrinsic("States.Base64Encode($.s)", {"s": "x" * 10001})
    assert caught.value.error == "States.IntrinsicFailure"


def test_missing_path_argument_is_a_runtime_error() -> None:
    with pytest.raises(StatesError) as caught:
        ev("States.Format('{}', $.missing)")
    assert caught.value.error == "States.Runtime"
