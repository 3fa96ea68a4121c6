"""The Step Functions corpus scored: the interpreter's executions and the definition validator.

Six measures, each over its own cases (``CorpusScore.measures``):

- ``status``: every replayable execution, its status and output (or error and cause);
- ``history``: the executions recorded with their history, the sequence of event types;
- ``intrinsic``: the intrinsic-function cases, which agree when their execution does;
- ``invalid-code`` and ``invalid-message``: the definitions AWS rejects, rejected by
  ``validate_definition`` with the recorded error code, and with the recorded message;
- ``accepted``: the definition of every recorded execution, accepted by ``validate_definition``
  (the control that keeps the invalid-definition measures honest: a validator that rejects
  everything fails it).

Every case says whether the corpus records an AWS validation date for it; the others were
recorded against the emulator only. Each measure requires exactly its known disagreements (none
today) and its corpus size: the score reached is the score held.
"""

from __future__ import annotations

import json
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from ordermesh_platform.sfn.validation import InvalidDefinition, validate_definition
from tests.sfn.conformance import (
    EXECUTIONS,
    INTRINSIC_CASES,
    INVALID_DEFINITIONS,
    Replay,
    agrees,
    first_difference,
    parse_output,
    recorded_with_sorted_branches,
    run_execution,
    short,
    sort_parallel_branches,
)

# Cases known to disagree with their recording, per measure, with the reason (by case id). The
# tests require exactly these to disagree: one more is a regression, one fewer a stale entry.
KNOWN_DIVERGENT: dict[str, str] = {}  # status and output (and so their intrinsic cases)
KNOWN_HISTORY_DIVERGENT: dict[str, str] = {}
KNOWN_INVALID_DIVERGENT: dict[str, str] = {}  # another code, or accepted
KNOWN_MESSAGE_DIVERGENT: dict[str, str] = {}  # the recorded code, another message
KNOWN_REJECTED: dict[str, str] = {}  # definitions AWS ran that the validator rejects

# Each measure's number of cases: a different count means the corpus changed.
CASES = {
    "status": 528,
    "history": 316,
    "intrinsic": 114,
    "invalid-code": 95,
    "invalid-message": 95,
    "accepted": 531,
}

_REGION = "us-east-1"
_ACCOUNT = "111111111111"

# --- what a case is -------------------------------------------------------------------------------


def labels(case: dict[str, Any]) -> tuple[str, ...]:
    """The features a case exercises: its language features, its state types, and ``jsonpath``
    for the cases without JSONata."""
    classification = case.get("classification") or {}
    features = list(classification.get("features") or [])
    if "jsonata" not in features:
        features.append("jsonpath")
    features.extend(kind.lower() for kind in classification.get("state_types") or [])
    return tuple(dict.fromkeys(features))


def short_name(case_id: str) -> str:
    """``test_wait.py::TestSfnWait::test_x[param]`` from the corpus's full case id."""
    name = case_id.removesuffix("::get_execution_history")
    return re.sub(r"^tests/aws/services/stepfunctions/v2/(\w+/)*", "", name)


def recorded_test(case: dict[str, Any]) -> str:
    """The recording test without its parameters: ``test_sfn_api.py::TestSnfApi::test_x``."""
    return short_name(case.get("test_id") or case["id"]).split("[", 1)[0]


def aws_validated(case: dict[str, Any]) -> bool:
    """Whether the corpus records that the case's test was validated against AWS."""
    return bool(case.get("aws_validated_date") or case.get("aws_validated"))


# --- executions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseScore:
    """One execution case compared with its recording."""

    case_id: str
    labels: tuple[str, ...]
    aws_validated: bool
    agrees: bool
    reason: str  # why it disagrees ("" when it agrees)
    history: bool | None  # event types agree; None when the recording has no history
    history_reason: str


def _status_reason(expected: dict[str, Any], actual: dict[str, Any]) -> str:
    if actual["status"] == "CRASH":
        return f"the interpreter raised {actual['error']}"
    if expected["status"] != actual["status"]:
        detail = actual.get("error") or actual.get("last_event_type") or ""
        detail = f" ({detail})" if detail else ""
        return f"status {actual['status']}{detail}, expected {expected['status']}"
    if expected["status"] == "SUCCEEDED":
        found = first_difference(parse_output(expected.get("output")), actual["output"])
        return f"output differs at {found}"
    if expected["status"] == "UNKNOWN_LAST_EVENT":
        return f"last event {actual['last_event_type']}, expected {expected['last_event_type']}"
    if expected.get("error") != actual.get("error"):
        return f"error {actual.get('error')}, expected {expected.get('error')}"
    return f"cause {short(actual.get('cause'))}, expected {short(expected.get('cause'))}"


def _history_reason(expected: list[str], actual: list[str]) -> str:
    for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
        if want != got:
            return f"event {index + 1} is {got}, expected {want}"
    if len(actual) < len(expected):
        last = actual[-1] if actual else "nothing"
        return f"history ends after {last}, expected {expected[len(actual)]} next"
    return f"history goes on with {actual[len(expected)]} after {expected[-1]}"


def score_execution(case: dict[str, Any]) -> CaseScore:
    """Run one replayable case and compare it with its recording."""
    try:
        replay = run_execution(case)
    except Exception as error:  # noqa: BLE001 - a crash is a disagreement, reported with its cause
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        replay = Replay({"status": "CRASH", "error": f"{error!r} at {where}"}, [])
    expected = case["expected"]
    agreed = replay.result["status"] != "CRASH" and agrees(expected, replay.result)
    history: bool | None = None
    history_reason = ""
    wanted = case.get("expected_event_types")
    if wanted:
        events = replay.events
        if recorded_with_sorted_branches(case.get("history_events") or []):
            events = sort_parallel_branches(events)
        types = [event["type"] for event in events]
        history = types == wanted
        history_reason = "" if history else _history_reason(wanted, types)
    return CaseScore(
        case_id=case["id"],
        labels=labels(case),
        aws_validated=aws_validated(case),
        agrees=agreed,
        reason="" if agreed else _status_reason(expected, replay.result),
        history=history,
        history_reason=history_reason,
    )


# --- definitions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvalidScore:
    """One definition AWS rejects, checked with ``validate_definition``."""

    case_id: str
    test: str  # the recording test, without parameters
    aws_validated: bool
    expected_code: str
    code: str | None  # None: accepted
    expected_message: str
    message: str | None

    @property
    def agrees(self) -> bool:
        return self.code == self.expected_code

    @property
    def exact(self) -> bool:
        return self.agrees and self.message == self.expected_message

    @property
    def reason(self) -> str:
        if not self.agrees:
            return f"{self.code or 'accepted'}, expected {self.expected_code}"
        return f"message {short(self.message)}, expected {short(self.expected_message)}"


# The recorder wrote placeholders over account-specific values; these need a concrete shape.
_DEFINITION_PLACEHOLDERS = {"<activityArn>": f"arn:aws:states:{_REGION}:{_ACCOUNT}:activity:A"}


def concrete(definition: Any) -> Any:
    """A recorded definition with the recorder's placeholders replaced by values of their shape."""
    text = json.dumps(definition)
    for placeholder, value in _DEFINITION_PLACEHOLDERS.items():
        text = text.replace(json.dumps(placeholder), json.dumps(value))
    return json.loads(text)


def machine_type(case: dict[str, Any]) -> Literal["STANDARD", "EXPRESS"]:
    # invalid-definitions.json records no type: its Express cases come from the Express tests.
    if case.get("state_machine_type") == "EXPRESS" or "Express" in case.get("test_id", ""):
        return "EXPRESS"
    return "STANDARD"


def score_invalid(case: dict[str, Any]) -> InvalidScore:
    expected = case["expected_error"]
    code: str | None = None
    message: str | None = None
    try:
        validate_definition(concrete(case["definition"]), state_machine_type=machine_type(case))
    except InvalidDefinition as error:
        code, message = error.code, error.message
    return InvalidScore(
        case_id=case["id"],
        test=recorded_test(case),
        aws_validated=aws_validated(case),
        expected_code=expected["code"],
        code=code,
        expected_message=expected["message"],
        message=message,
    )


def accepted(case: dict[str, Any]) -> str | None:
    """None when ``validate_definition`` accepts the definition AWS ran, else its message."""
    try:
        validate_definition(concrete(case["definition"]), state_machine_type=machine_type(case))
    except InvalidDefinition as error:
        return error.message
    return None


# --- measures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    agree: int = 0
    total: int = 0

    def add(self, *, agreed: bool) -> Tally:
        return Tally(self.agree + agreed, self.total + 1)

    @property
    def share(self) -> float:
        return self.agree / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.agree}/{self.total} ({self.share:.1%})"


@dataclass(frozen=True)
class Outcome:
    """One case of one measure: whether it agrees, why not, and whether AWS validated it."""

    case_id: str
    aws_validated: bool
    reason: str | None  # None: agrees


@dataclass(frozen=True)
class Measure:
    """One measure over its cases, with the disagreements it is known to have."""

    key: str
    title: str
    outcomes: list[Outcome]
    known: dict[str, str]

    @property
    def tally(self) -> Tally:
        return Tally(sum(o.reason is None for o in self.outcomes), len(self.outcomes))

    @property
    def validated(self) -> Tally:
        """The tally over the AWS-validated cases only."""
        cases = [o for o in self.outcomes if o.aws_validated]
        return Tally(sum(o.reason is None for o in cases), len(cases))

    @property
    def disagreements(self) -> dict[str, str]:
        return {o.case_id: o.reason for o in self.outcomes if o.reason is not None}

    @property
    def required(self) -> Tally:
        """What the tests require: every case but the known disagreements."""
        return Tally(len(self.outcomes) - len(self.known), len(self.outcomes))

    def problems(self) -> list[str]:
        """Why the measure does not hold its score: empty when it does."""
        found = self.disagreements
        lines = [f"{self.key}: {len(self.outcomes)} cases, expected {CASES[self.key]}"]
        lines = lines if len(self.outcomes) != CASES[self.key] else []
        lines += [
            f"disagrees, not known: {short_name(case)}: {found[case]}"
            for case in sorted(found.keys() - self.known.keys())
        ]
        lines += [
            f"known to disagree but agrees now (remove it): {short_name(case)}"
            for case in sorted(self.known.keys() - found.keys())
        ]
        return lines


@dataclass(frozen=True)
class CorpusScore:
    """Every case of the corpus, compared with AWS."""

    executions: list[CaseScore]
    not_replayable: list[CaseScore]  # replayed anyway, not counted
    intrinsic: list[tuple[str, tuple[str, ...], bool, bool]]  # id, functions, validated, agrees
    invalid: list[InvalidScore]
    rejected: list[Outcome]  # the definitions of every recorded execution
    features: dict[str, tuple[Tally, Tally]] = field(default_factory=dict)

    def measures(self) -> dict[str, Measure]:
        status = [Outcome(c.case_id, c.aws_validated, c.reason or None) for c in self.executions]
        history = [
            Outcome(c.case_id, c.aws_validated, c.history_reason or None)
            for c in self.executions
            if c.history is not None
        ]
        intrinsic = [
            Outcome(case_id, validated, None if agreed else "its execution disagrees")
            for case_id, _, validated, agreed in self.intrinsic
        ]
        ids = {case_id for case_id, *_ in self.intrinsic}
        codes = [
            Outcome(c.case_id, c.aws_validated, None if c.agrees else c.reason)
            for c in self.invalid
        ]
        messages = [
            Outcome(c.case_id, c.aws_validated, None if c.exact else c.reason) for c in self.invalid
        ]
        measures = [
            Measure(
                "status",
                "executions: status and output (or error and cause)",
                status,
                KNOWN_DIVERGENT,
            ),
            Measure("history", "executions: history event types", history, KNOWN_HISTORY_DIVERGENT),
            Measure(
                "intrinsic",
                "intrinsic-function cases",
                intrinsic,
                {k: v for k, v in KNOWN_DIVERGENT.items() if k in ids},
            ),
            Measure(
                "invalid-code",
                "invalid definitions: rejected with the recorded error code",
                codes,
                KNOWN_INVALID_DIVERGENT,
            ),
            Measure(
                "invalid-message",
                "invalid definitions: rejected with the recorded message",
                messages,
                {**KNOWN_INVALID_DIVERGENT, **KNOWN_MESSAGE_DIVERGENT},
            ),
            Measure("accepted", "definitions AWS ran: accepted", self.rejected, KNOWN_REJECTED),
        ]
        return {measure.key: measure for measure in measures}

    def by_test(self) -> dict[str, tuple[bool, Tally, Tally]]:
        """Invalid definitions per recording test: AWS-validated, error codes, messages."""
        tests: dict[str, tuple[bool, Tally, Tally]] = {}
        for case in self.invalid:
            validated, codes, messages = tests.get(case.test, (True, Tally(), Tally()))
            tests[case.test] = (
                validated and case.aws_validated,
                codes.add(agreed=case.agrees),
                messages.add(agreed=case.exact),
            )
        return dict(sorted(tests.items(), key=lambda item: (-item[1][1].total, item[0])))


def load(path: Path) -> list[dict[str, Any]]:
    """A corpus file's cases."""
    cases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return cases


@cache
def score_corpus() -> CorpusScore:
    """Score every case (once per process: the tests and the report share it)."""
    executions = load(EXECUTIONS)
    scores = [score_execution(case) for case in executions if case.get("replayable_offline")]
    by_id = {score.case_id: score for score in scores}
    intrinsic = [
        (
            case["id"],
            tuple(case["functions"]),
            aws_validated(case),
            case["id"] in by_id and by_id[case["id"]].agrees,
        )
        for case in load(INTRINSIC_CASES)
    ]
    features: dict[str, tuple[Tally, Tally]] = {}
    for score in scores:
        for label in score.labels:
            status, history = features.get(label, (Tally(), Tally()))
            status = status.add(agreed=score.agrees)
            if score.history is not None:
                history = history.add(agreed=score.history)
            features[label] = (status, history)
    return CorpusScore(
        executions=scores,
        not_replayable=[
            score_execution(case) for case in executions if not case.get("replayable_offline")
        ],
        intrinsic=intrinsic,
        invalid=[score_invalid(case) for case in load(INVALID_DEFINITIONS)],
        rejected=[Outcome(case["id"], aws_validated(case), accepted(case)) for case in executions],
        features=dict(sorted(features.items(), key=lambda item: (-item[1][0].total, item[0]))),
    )


def function_scores(score: CorpusScore) -> Counter[tuple[str, bool]]:
    """Intrinsic cases per function and outcome."""
    counts: Counter[tuple[str, bool]] = Counter()
    for _, functions, _, agreed in score.intrinsic:
        for function in functions:
            counts[function, agreed] += 1
    return counts
