"""SNS filter policies on cases recorded against AWS: the shared runner and score.

``conformance/sns/filter-policy-cases.json`` pairs the calls of LocalStack's AWS-validated
snapshot tests with what AWS answered. A validation case agrees when the policy (with its scope)
is rejected exactly when AWS rejected it, with the same error code; a delivery case agrees when
the policy matches the message exactly when AWS delivered it. Error messages are compared too,
for information (``messages``), against the recorded first line. ``test_conformance.py``
asserts the score and ``python -m tests.conformance_report`` writes it into ``CONFORMANCE.md``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from ordermesh_platform.sns import InvalidFilterPolicyError, check_scope, compile_filter_policy
from tests.corpus import CONFORMANCE

CORPUS = CONFORMANCE / "sns" / "filter-policy-cases.json"
CASES = 86  # the corpus's size: a different count means the copy changed

# Cases where the implementation knowingly differs from AWS, with the reason (by case id). The
# test requires exactly these to disagree, for exactly these reasons.
KNOWN_DISAGREEMENTS: dict[str, str] = {}


@dataclass(frozen=True)
class Case:
    raw: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.raw["id"])

    @property
    def kind(self) -> str:
        return str(self.raw["kind"])

    @property
    def families(self) -> set[str]:
        return {"all", self.kind, f"scope {self.raw['scope']}"}


def cases() -> Iterator[Case]:
    for raw in json.loads(CORPUS.read_text(encoding="utf-8")):
        yield Case(raw)


def short_name(case_id: str) -> str:
    return case_id.rsplit("/", 1)[-1].removeprefix("test_sns_filter_policy.py::")


@dataclass(frozen=True)
class Outcome:
    problem: str | None  # None when ours agrees with AWS
    message_agrees: bool | None = None  # validation errors only


def outcome(case: Case) -> Outcome:
    if case.kind == "validation":
        return _validation(case.raw)
    return _delivery(case.raw)


def _validation(raw: dict[str, Any]) -> Outcome:
    expected = raw["expected"]
    try:
        check_scope(raw["scope"])
        if raw["filter_policy_raw"] is not None:
            compile_filter_policy(raw["filter_policy_raw"], raw["scope"])
    except InvalidFilterPolicyError as error:
        if expected["valid"]:
            return Outcome(f"rejected a policy AWS accepts: {error}")
        if error.code != expected["error_code"]:
            return Outcome(f"rejected with {error.code}, AWS with {expected['error_code']}")
        recorded = expected.get("error_message_first_line") or expected["error_message"]
        return Outcome(None, message_agrees=error.aws_message(raw["action"]) == recorded)
    if not expected["valid"]:
        return Outcome(f"accepted a policy AWS rejects ({expected['error_message']!r})")
    return Outcome(None)


def _delivery(raw: dict[str, Any]) -> Outcome:
    try:
        policy = compile_filter_policy(raw["filter_policy_raw"], raw["scope"])
    except InvalidFilterPolicyError as error:
        return Outcome(f"rejected the policy of a delivery case: {error}")
    message = raw["message"]
    delivered = policy.matches(message["body"], message["attributes"])
    expected = raw["expected"]["delivered"]
    return Outcome(None if delivered == expected else f"delivered={delivered}, AWS {expected}")


@dataclass(frozen=True)
class SnsScore:
    """Agreement overall (``all``), per kind and per scope; each disagreement; and how many
    rejections carry AWS's message word for word."""

    totals: Counter[str]
    agreed: Counter[str]
    disagreements: dict[str, str]
    messages_agreeing: int
    messages_compared: int

    def families(self) -> list[str]:
        return sorted(self.totals, key=lambda name: (name != "all", name))


@cache
def score_corpus() -> SnsScore:
    totals: Counter[str] = Counter()
    agreed: Counter[str] = Counter()
    disagreements: dict[str, str] = {}
    compared = agreeing = 0
    for case in cases():
        result = outcome(case)
        for family in case.families:
            totals[family] += 1
            agreed[family] += result.problem is None
        if result.problem is not None:
            disagreements[case.id] = result.problem
        if result.message_agrees is not None:
            compared += 1
            agreeing += result.message_agrees
    return SnsScore(totals, agreed, disagreements, agreeing, compared)
