"""The event-pattern engine on aws/event-ruler's labelled corpus: the shared runner and scores.

Every case compiles its pattern (which must fail exactly when the label says the pattern is
invalid) and, when it has an event and an array-consistent label, matches it. The JSON text
spellings are used when the case has them (number spellings, repeated keys). Scores are kept
overall and per operator family. The labels are event-ruler 2.0.1's, the engine behind
EventBridge: they are not AWS-validated. ``test_conformance.py`` asserts the score and
``python -m tests.conformance_report`` writes it into ``CONFORMANCE.md``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ordermesh_platform.patterns import EventPattern, InvalidEventPatternError, compile_pattern
from ordermesh_platform.patterns._json import dump, load_pattern
from ordermesh_platform.patterns.compiler import compile_branches
from ordermesh_platform.patterns.complexity import MAX_COMPLEXITY, TOO_COMPLEX, rule_complexity
from tests.corpus import CONFORMANCE

CORPUS = CONFORMANCE / "eventbridge"
FILES = ("java-test-pairs.labelled.json", "correctness-cases.labelled.json")
DATA_FILES = "data-files.labelled.json"
CASES = 1869  # the corpus's size: a different count means the copy changed
OPERATORS = (
    "prefix",
    "suffix",
    "equals-ignore-case",
    "anything-but",
    "numeric",
    "exists",
    "cidr",
    "wildcard",
)

# Cases where the engine knowingly differs from event-ruler, with the reason (by case id). The
# test requires exactly these to disagree, for exactly these reasons: one more is a regression,
# one fewer a stale entry.
KNOWN_DISAGREEMENTS: dict[str, str] = {
    # event-ruler's MachineComplexityEvaluatorTest rule: the engine applies no limit itself;
    # EventBridge does (docs/decisions/2026-12-05-wildcard-complexity.md).
    "java-00835": "too complex for EventBridge (score 11, limit 10); compiled without the "
    "limit, it matches as labelled",
}


@dataclass
class Case:
    id: str
    pattern: str
    expected_valid: bool
    event: str | None
    expected_match: bool | None
    families: set[str] = field(default_factory=set)


def _data_file(reference: str) -> Any:
    name, _, element = reference.removeprefix("src/test/data/").partition("#")
    text = (CORPUS / "data" / name).read_text(encoding="utf-8")
    return json.loads(text)[int(element)] if element else text


def cases() -> Iterator[Case]:
    """Every labelled case of the corpus."""
    for name in FILES:
        for raw in json.loads((CORPUS / name).read_text(encoding="utf-8")):
            yield _case(raw, raw.get("pattern_raw") or json.dumps(raw["pattern"]))
    for raw in json.loads((CORPUS / DATA_FILES).read_text(encoding="utf-8")):
        pattern = _data_file(raw["pattern_file"])
        event = _data_file(raw["event_file"]) if "event_file" in raw else None
        yield _case(raw, pattern if isinstance(pattern, str) else json.dumps(pattern), event)


def _case(raw: dict[str, Any], pattern: str, event: str | None = None) -> Case:
    """A labelled case; the event is the case's own JSON text unless a data file gives it."""
    expected = raw["expected"]
    if event is None and ("event_raw" in raw or "event" in raw):
        event = raw.get("event_raw") or json.dumps(raw["event"])
    case = Case(
        id=raw["id"],
        pattern=pattern,
        expected_valid=expected["pattern_valid"],
        event=event,
        expected_match=expected.get("match"),
    )
    case.families = _families(case)
    return case


def _families(case: Case) -> set[str]:
    families: set[str] = set()
    if not case.expected_valid:
        families.add("invalid-pattern")
    try:
        pattern = json.loads(case.pattern)
    except ValueError:
        return families | {"malformed-json"}
    _pattern_families(pattern, families)
    if case.event is not None:
        event = json.loads(case.event)
        if _has_array(event, of_objects=False):
            families.add("arrays")
        if _has_array(event, of_objects=True):
            families.add("arrays-of-objects")
    return families or {"other"}


def _pattern_families(node: Any, families: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$or":
                families.add("$or")
            if key in OPERATORS:
                families.add(key)
            if key == "exactly":
                families.add("exact")
            _pattern_families(value, families)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict | list):
                _pattern_families(item, families)
            else:
                families.add("exact")


def _has_array(node: Any, *, of_objects: bool) -> bool:
    if isinstance(node, list):
        if not of_objects or any(isinstance(item, dict) for item in node):
            return True
        return any(_has_array(item, of_objects=of_objects) for item in node)
    return isinstance(node, dict) and any(
        _has_array(value, of_objects=of_objects) for value in node.values()
    )


def outcome(case: Case) -> str | None:
    """None when ours agrees with the label, else what we did instead."""
    try:
        pattern = compile_pattern(case.pattern)
    except InvalidEventPatternError as error:
        if not case.expected_valid:
            return None
        if error.reason == TOO_COMPLEX:
            return _too_complex(case)
        return f"rejected a valid pattern: {error}"
    if not case.expected_valid:
        return "accepted an invalid pattern"
    return _match(case, pattern)


def _match(case: Case, pattern: EventPattern) -> str | None:
    if case.event is None or case.expected_match is None:
        return None
    got = pattern.matches_json(case.event)
    return None if got == case.expected_match else f"matched={got}, expected {case.expected_match}"


def _too_complex(case: Case) -> str:
    """A rule event-ruler accepts (it applies no complexity limit) that EventBridge refuses:
    how complex it is, and whether the engine matches it as labelled without the limit."""
    document = load_pattern(case.pattern)
    branches = compile_branches(document)
    score = rule_complexity(branches, cap=100)
    unchecked = _match(case, EventPattern(dump(document), branches))
    return (
        f"too complex for EventBridge (score {score}, limit {MAX_COMPLEXITY}); compiled without "
        + (f"the limit, {unchecked}" if unchecked else "the limit, it matches as labelled")
    )


@dataclass(frozen=True)
class PatternScore:
    """The corpus's agreement, overall (``all``) and per family, and each disagreement."""

    totals: Counter[str]
    agreed: Counter[str]
    disagreements: dict[str, str]  # case id -> what we did
    patterns: dict[str, str]  # case id -> the pattern, for each disagreement

    def families(self) -> list[str]:
        """``all`` first, then the families by name."""
        return sorted(self.totals, key=lambda name: (name != "all", name))


@cache
def score_corpus() -> PatternScore:
    """Score every case (once per process: the test and the report share it)."""
    totals: Counter[str] = Counter()
    agreed: Counter[str] = Counter()
    disagreements: dict[str, str] = {}
    patterns: dict[str, str] = {}
    for case in cases():
        problem = outcome(case)
        for family in {"all", *case.families}:
            totals[family] += 1
            agreed[family] += problem is None
        if problem is not None:
            disagreements[case.id] = problem
            patterns[case.id] = case.pattern
    return PatternScore(totals, agreed, disagreements, patterns)
