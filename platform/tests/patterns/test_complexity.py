"""Wildcard complexity: event-ruler's MachineComplexityEvaluator, and the limit EventBridge puts on
it (Rule is too complex ...).

The machine-level numbers are aws/event-ruler's own expectations, each case named after the test
method it comes from (MachineComplexityEvaluatorTest unless said otherwise). Those tests add the
values to a bare ByteMachine, unquoted; rules quote string values, so the rule-level cases go
through the compiler. Where event-ruler adds exact, prefix, equals-ignore-case or exists patterns
beside the wildcards, only the wildcards are kept here: the expected number is the same.
"""

from __future__ import annotations

import itertools
import json
import pickle
import time
from typing import Any

import pytest
from ordermesh_platform.patterns import InvalidEventPatternError, compile_pattern
from ordermesh_platform.patterns._json import from_python
from ordermesh_platform.patterns._wildcard_machine import ByteMachine
from ordermesh_platform.patterns.compiler import compile_branches
from ordermesh_platform.patterns.complexity import (
    MAX_COMPLEXITY,
    TOO_COMPLEX,
    machine_complexity,
    rule_complexity,
)

CAP = 100  # event-ruler's tests evaluate with MachineComplexityEvaluator(100)

REFERENCE: list[tuple[str, int, list[str]]] = [
    ("testEvaluateOnlyWildcard", 1, ["*"]),
    ("testEvaluateOnlyWildcardWithExactMatch", 1, ["*"]),
    ("testEvaluateOnlyWildcardWithWildcardMatch", 3, ["*", "ab*c"]),
    ("testEvaluateWildcardPatternWithoutWildcards", 1, ["abc"]),
    ("testEvaluateOneWildcardLeadingCharTwoTrailingCharactersDifferent", 2, ["*ab"]),
    ("testEvaluateOneWildcardLeadingCharTwoTrailingCharactersEqual", 3, ["*aa"]),
    ("testEvaluateOneWildcardSecondLastChar", 2, ["a*b"]),
    ("testEvaluateOneWildcardTrailingChar", 2, ["aa*"]),
    ("testEvaluateOneWildcardNormalPositionTwoTrailingCharactersDifferent", 2, ["a*bc"]),
    ("testEvaluateOneWildcardNormalPositionTwoTrailingCharactersEqual", 3, ["a*bb"]),
    ("testEvaluateOneWildcardNormalPositionThreeTrailingCharactersDifferent", 3, ["a*bcb"]),
    ("testEvaluateOneWildcardNormalPositionThreeTrailingCharactersEqual", 4, ["a*bbb"]),
    ("testEvaluateTwoWildcardsLeadingCharAndNormalPosition", 4, ["*ab*ad"]),
    ("testEvaluateTwoWildcardsLeadingCharAndSecondLastChar", 3, ["*ab*d"]),
    ("testEvaluateTwoWildcardsLeadingCharAndTrailingChar", 4, ["*aba*"]),
    ("testEvaluateTwoWildcardsBothNormalPositionTwoTrailingCharactersEqual", 5, ["a*b*bb"]),
    ("testEvaluateTwoWildcardsBothNormalPositionTwoTrailingCharactersDifferent", 4, ["a*b*cb"]),
    (
        "testEvaluateTwoWildcardsBothNormalPositionTwoTrailingCharactersDifferentLastCharUnique",
        3,
        ["a*b*cd"],
    ),
    ("testEvaluateTwoWildcardsNormalPositionAndSecondLastChar", 4, ["a*b*b"]),
    ("testEvaluateTwoWildcardsNormalPositionAndTrailingChar", 4, ["a*bb*"]),
    ("testEvaluateTwoWildcardsThirdLastCharAndTrailingChar", 3, ["ab*b*"]),
    ("testEvaluateTwoWildcardsNoCommonPrefix", 3, ["ab*c", "x*xx"]),
    ("testEvaluateTwoWildcardsBothLeadingOneIsPrefixOfOther", 4, ["*abc", "*abcde"]),
    ("testEvaluateTwoWildcardsBothNormalPosition", 4, ["a*bcd", "ab*cd"]),
    ("testEvaluateTwoWildcardsBothNormalPositionOneIsPrefixOfOther", 4, ["a*bc", "a*bcde"]),
    ("testEvaluateTwoWildcardsBothNormalPositionAllSameCharacter", 7, ["a*aaa", "aa*aa"]),
    ("testEvaluateTwoWildcardsOneNormalPositionAndOneSecondLastCharacter", 4, ["a*bc", "abc*d"]),
    (
        "testEvaluateTwoWildcardsOneNormalPositionAndOneSecondLastCharacterAllSameCharacter",
        6,
        ["a*aaa", "aaa*a"],
    ),
    (
        "testEvaluateTwoWildcardsOneNormalPositionAndOneSecondLastCharacterAllSameCharacterButLast",
        5,
        ["a*aax", "aaa*x"],
    ),
    ("testEvaluateTwoWildcardsOneNormalPositionAndOneTrailing", 4, ["a*bc", "abc*"]),
    (
        "testEvaluateTwoWildcardsOneNormalPositionAndOneTrailingAllSameCharacter",
        5,
        ["a*aa", "aaa*"],
    ),
    ("testEvaluateTwoWildcardsBothTrailingCharOneIsPrefixOfOther", 3, ["abc*", "abcde*"]),
    ("testEvaluateThreeWildcardsTransitionFromSameState", 6, ["ab*cd", "ab*wx", "ab*yz"]),
    (
        "testEvaluateFourWildcardsLeadingCharNormalPositionThirdLastCharAndTrailingChar",
        7,
        ["*ab*b*b*"],
    ),
    ("testEvaluateLongSequenceofWildcards", 17, ["*a*a*a*a*a*a*a*a*"]),
    ("testEvaluateOneWildcardLeadingCharWithExactMatch", 2, ["*abc"]),
    ("testEvaluateOneWildcardNormalPositionWithExactMatch", 2, ["a*bc"]),
    ("testEvaluateOneWildcardSecondLastCharWithExactMatch", 2, ["ab*c"]),
    ("testEvaluateOneWildcardTrailingCharWithExactMatch", 2, ["abc*"]),
    ("testEvaluateExistencePatternHasNoEffect", 2, ["ab*c"]),
    ("testEvaluateDuplicateWildcardPatterns", 2, ["ab*c", "ab*c"]),
    (
        "testEvaluateWordEndingInSameLetterThatFollowsWildcard",
        10,
        ["F*eatureFeature", "Fe*atureFeature", "Fea*tureFeature"],
    ),
    ("ByteMachineTest.testWildcardRuleIsNotDuplicated", 2, ["1*2345"] * 10),
    ("ByteMachineTest.testWildcardRuleIsNotDuplicatedWildcardIsFirstChar", 2, ["*123"] * 10),
    ("ByteMachineTest.testWildcardRuleIsNotDuplicatedWildcardIsSecondLastChar", 2, ["1*2"] * 10),
    ("ByteMachineTest.testWildcardRuleIsNotDuplicatedWildcardIsLastChar", 2, ["1*"] * 10),
]

QUAMINA_EXPLODER = [
    "aahed*",
    "aal*ii",
    "aargh*",
    "aarti*",
    "a*baca",
    "*abaci",
    "a*back",
    "ab*acs",
    "abaf*t",
    "*abaka",
    "ab*amp",
    "a*band",
    "*abase",
    "abash*",
    "abas*k",
    "ab*ate",
    "aba*ya",
    "abbas*",
    "abbed*",
    "ab*bes",
    "abbey*",
    "*abbot",
    "ab*cee",
    "abea*m",
    "abe*ar",
    "a*bele",
    "a*bers",
    "abet*s",
    "*abhor",
    "abi*de",
    "a*bies",
    "*abled",
]


def _machine(values: list[str]) -> ByteMachine:
    machine = ByteMachine()
    for value in values:
        machine.add([value], ("wildcard", value))
    return machine


def _score(pattern: dict[str, Any]) -> int:
    return rule_complexity(compile_branches(from_python(pattern)), CAP)


def _wildcards(*values: str, field: str = "key") -> dict[str, Any]:
    return {field: [{"wildcard": value} for value in values]}


@pytest.mark.parametrize(
    ("expected", "values"),
    [(expected, values) for _, expected, values in REFERENCE],
    ids=[name for name, _, _ in REFERENCE],
)
def test_event_ruler_reference_numbers_in_every_order(expected: int, values: list[str]) -> None:
    for order in set(itertools.permutations(values)):
        assert machine_complexity(_machine(list(order)), CAP) == expected, order


def test_quamina_exploder() -> None:
    # testEvaluateQuaminaExploder: 32 wildcards in one field
    assert machine_complexity(_machine(QUAMINA_EXPLODER), CAP) == 45


def test_evaluation_stops_at_the_cap() -> None:
    # testEvaluateBeyondMaxComplexity, at the length a pattern may have
    started = time.perf_counter()
    assert machine_complexity(_machine(["F*e*a*t*u*r*e*" * 290]), CAP) == CAP
    assert time.perf_counter() - started < 5


def test_rule_machines_follow_values_to_the_next_field() -> None:
    # testEvaluateNestedMachinesViaNextNameStates: the rule's string values are quoted
    pattern = {
        "abc": [{"prefix": "a"}, "abcdef", {"suffix": "z"}],
        "def": [{"prefix": "b"}, {"wildcard": "a*a*a*a*a*a*"}, {"suffix": "c"}],
        "ghi": [{"prefix": "a"}, "abcdef", {"suffix": "z"}],
    }
    assert _score(pattern) == 11


def test_branches_on_different_fields_are_scored_apart() -> None:
    # GenericMachineTest.testEvaluateComplexity: three rules in one machine, here three branches
    rules = [_wildcards("a*bc", field="a"), _wildcards("a*aa", field="b")]
    assert _score({"$or": [*rules, _wildcards("xyz*", field="c")]}) == 3


STACK_IDS = [f"*:stack/{name}/*" for name in ("Shared", "Tracker", "Worker", "Monitoring")]

ACCEPTED: list[tuple[int, dict[str, Any]]] = [
    (3, _wildcards("arn:aws:events:us-east-1:*:event-bus/*")),
    (7, _wildcards("/Users/*/dir/dir/dir/dir/dir/doc.txt")),
    (2, _wildcards("/Users/*/doc.txt")),
    (9, _wildcards("*:*:*:*:event-bus/*")),
    (10, _wildcards("/Users/*/dir/dir/dir/dir/dir/dir/dir/dir/doc.txt")),
    (8, _wildcards("*.bif", "*.tiff", "*.tif", "*.svs")),
    (9, _wildcards(*STACK_IDS[:3])),
    (
        9,
        {
            "$or": [
                {"account": ["111122223333"], **_wildcards(*STACK_IDS[:3])},
                {"account": ["444455556666"], **_wildcards(*STACK_IDS[1:])},
            ]
        },
    ),
    (0, {"a": [{"exists": False}], **_wildcards("*:*:*:*:*:event-bus/*", field="b")}),
]

REJECTED: list[tuple[int, dict[str, Any]]] = [
    (11, _wildcards("*:*:*:*:*:event-bus/*")),
    (11, _wildcards("*/*/*/*/*/*.txt")),
    (12, _wildcards(*STACK_IDS)),
    (12, {"$or": [_wildcards(*STACK_IDS[:2]), _wildcards(*STACK_IDS[2:])]}),
    (
        15,
        {
            "$or": [
                {"account": ["111122223333"], **_wildcards(*STACK_IDS[:3])},
                {"account": ["111122223333"], **_wildcards(*STACK_IDS[1:], "*:stack/Driver/*")},
            ]
        },
    ),
    (11, {"a": [{"exists": True}], **_wildcards("*:*:*:*:*:event-bus/*", field="b")}),
    (11, {"z": [{"exists": False}], **_wildcards("*:*:*:*:*:event-bus/*", field="b")}),
    (11, {"key": [{"anything-but": {"wildcard": "*:*:*:*:*:event-bus/*"}}]}),
    (
        16,
        _wildcards("*/datasync/*.bif", "*/datasync/*.tif", "*/datasync/*.tiff", "*/datasync/*.svs"),
    ),
]


@pytest.mark.parametrize(("score", "pattern"), ACCEPTED, ids=[json.dumps(p) for _, p in ACCEPTED])
def test_patterns_up_to_the_limit_are_accepted(score: int, pattern: dict[str, Any]) -> None:
    assert _score(pattern) == score <= MAX_COMPLEXITY
    compile_pattern(pattern)
    compile_pattern(json.dumps(pattern))


@pytest.mark.parametrize(("score", "pattern"), REJECTED, ids=[json.dumps(p) for _, p in REJECTED])
def test_patterns_over_the_limit_are_too_complex(score: int, pattern: dict[str, Any]) -> None:
    assert _score(pattern) == score > MAX_COMPLEXITY
    for given in (pattern, json.dumps(pattern)):
        with pytest.raises(InvalidEventPatternError) as caught:
            compile_pattern(given)
        assert caught.value.reason == TOO_COMPLEX
        assert caught.value.path == "<root>"
        assert str(caught.value) == (
            "Event pattern is not valid. Reason: Rule is too complex - try using fewer wildcard "
            "characters or fewer repeating character sequences after a wildcard character"
        )


def test_too_complex_pickles_with_its_message() -> None:
    with pytest.raises(InvalidEventPatternError) as caught:
        compile_pattern(_wildcards(*STACK_IDS))
    copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own object
    assert (copy.reason, copy.path, str(copy)) == (
        caught.value.reason,
        caught.value.path,
        str(caught.value),
    )
