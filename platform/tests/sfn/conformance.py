"""The Step Functions conformance corpus, run on the interpreter: the shared runner and scores.

The corpus (``<project root>/../shared/conformance/stepfunctions``) holds executions recorded on
AWS by LocalStack's snapshot tests, the intrinsic-function cases among them, and definitions AWS
rejects. ``run_execution`` replays one recorded execution on ``Execution`` with a virtual clock:
when the execution blocks, time jumps to its ``wake_at()``, so Wait states and retry back-offs
take no real time. Two recorded outcomes say where the recording test stopped looking:
``ABORTED`` (the test stopped the execution while it waited: it is stopped when it first
blocks) and ``UNKNOWN_LAST_EVENT`` (the test read the history while the execution was still
waiting: it is left running when it first blocks, and its last event type is compared).

``score_corpus`` compares every case with its recording: status and output (or error and cause)
with ``agrees``, where the recorder's placeholders are wildcards (``matches``); the sequence of
history event types; and, for invalid definitions, the error code of ``validate_definition``.
Scores are kept overall and per feature (``labels``). The tests in ``test_conformance.py`` assert
the targets; ``python -m tests.sfn.conformance_report`` writes ``CONFORMANCE.md``.
"""

from __future__ import annotations

import json
import random
import re
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from ordermesh_platform.sfn.interpreter import BLOCKED, DONE, Execution
from ordermesh_platform.sfn.validation import InvalidDefinition, validate_definition
from tests.corpus import CONFORMANCE

CORPUS = CONFORMANCE / "stepfunctions"
EXECUTIONS = CORPUS / "executions.json"
INTRINSIC_CASES = CORPUS / "intrinsic-function-cases.json"
INVALID_DEFINITIONS = CORPUS / "invalid-definitions.json"
MISSING = f"Step Functions conformance corpus not found at {CORPUS} (<project root>/../shared)"

# The share of cases that must agree with AWS.
STATUS_TARGET = 0.95  # status and output (or error and cause), replayable executions
HISTORY_TARGET = 0.90  # history event types, executions recorded with their history
INTRINSIC_TARGET = 0.98  # intrinsic-function cases (their execution agrees)
INVALID_TARGET = 0.90  # invalid definitions rejected with AWS's error code

# Cases whose recorded outcome cannot be reproduced offline, with the reason (by case id).
KNOWN_DIVERGENT: dict[str, str] = {}

# The recording tests wrote some inputs relative to their clock ("now + 24855 days"); the corpus
# stores them as absolute times counted from this moment, so the virtual clock starts there.
START_TIME = datetime(2026, 11, 22, 1, 4, 11, tzinfo=UTC).timestamp()
_ACCOUNT = "111111111111"
_REGION = "us-east-1"
_MAX_STEPS = 100_000

# --- the recorder's placeholders ---------------------------------------------------------------

# Values the recorder wrote over account- or time-specific data: any string matches them.
_WILDCARDS = frozenset({"date", "start-time", "entered-time", "timestamp", "snf_role_arn"})
_PLACEHOLDER = re.compile(r"<[^<>]+>")
_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def _generated_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _generated_uuid(value: Any) -> bool:
    return isinstance(value, str) and _UUID4.fullmatch(value) is not None


# Generated values the recorder replaced: they match any value of the right shape.
_GENERATED: dict[str, Callable[[Any], bool]] = {
    "RandomNumberGenerated": _generated_int,
    "generated-uuid": _generated_uuid,
}


def matches(expected: Any, actual: Any) -> bool:  # noqa: PLR0911 - one rule per JSON type
    """JSON equality where the recorder's placeholders in ``expected`` are wildcards."""
    if isinstance(expected, str) and expected in _GENERATED:
        return _GENERATED[expected](actual)
    if isinstance(expected, str):
        if not isinstance(actual, str):
            return False
        if expected in _WILDCARDS:
            return True
        pattern = ".*?".join(re.escape(part) for part in _PLACEHOLDER.split(expected))
        return re.fullmatch(pattern, actual, flags=re.DOTALL) is not None
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(matches(expected[key], actual[key]) for key in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(map(matches, expected, actual))
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return bool(expected == actual)


def parse_output(output: Any) -> Any:
    """A recorded output: the JSON text AWS returns, parsed (kept as is when it is not JSON)."""
    if isinstance(output, str):
        try:
            return json.loads(output)
        except json.JSONDecodeError:
            return output
    return output


def agrees(expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    """Same status, and the same output (success), error and cause (failure) or last event
    type (an execution the recording saw still running)."""
    if expected["status"] != actual["status"]:
        return False
    if expected["status"] == "SUCCEEDED":
        return matches(parse_output(expected.get("output")), actual["output"])
    if expected["status"] == "UNKNOWN_LAST_EVENT":
        return expected.get("last_event_type") == actual.get("last_event_type")
    if "error" not in expected and "cause" not in expected:
        return True
    return expected.get("error") == actual.get("error") and matches(
        expected.get("cause"), actual.get("cause")
    )


def first_difference(expected: Any, actual: Any, path: str = "$") -> str | None:
    """Where ``actual`` first departs from ``expected`` (placeholders matching anything)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if expected.keys() != actual.keys():
            missing = sorted(expected.keys() - actual.keys())
            extra = sorted(actual.keys() - expected.keys())
            return f"{path}: keys missing {missing}, unexpected {extra}"
        pairs = [(expected[key], actual[key], f"{path}.{key}") for key in expected]
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        pairs = [
            (want, got, f"{path}[{index}]")
            for index, (want, got) in enumerate(zip(expected, actual, strict=True))
        ]
    elif matches(expected, actual):
        return None
    else:
        return f"{path}: expected {_short(expected)}, got {_short(actual)}"
    found = (first_difference(want, got, where) for want, got, where in pairs)
    return next((difference for difference in found if difference is not None), None)


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- the recorder's history transformer ----------------------------------------------------------

_PARALLEL_ENDS = frozenset(
    {"ParallelStateSucceeded", "ParallelStateAborted", "ParallelStateExited", "ParallelStateFailed"}
)


def recorded_with_sorted_branches(history: Iterable[dict[str, Any]]) -> bool:
    """Whether the recorder rewrote the Parallel branches' events: it sets their ids to [0]."""
    return any(event.get("id") == [0] for event in history)


def sort_parallel_branches(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The recorder's normalisation of Parallel histories, step by step, so that a history can be
    compared with a recording that went through it.

    Branch events interleave in any order on AWS, so the recording tests sort the events between
    ``ParallelStateStarted`` and the end of the Parallel state by their JSON text. The rewrite
    is done in place while iterating, so the second end event (``...Exited`` after
    ``...Succeeded``) also drops the first: recordings made this way have no
    ``ParallelStateSucceeded``.
    """
    events = [dict(event) for event in events]
    start = 0
    branch_events: list[dict[str, Any]] = []
    in_branches = False
    index = 0
    while index < len(events):
        kind = events[index]["type"]
        if kind in _PARALLEL_ENDS:
            events[start:index] = sorted(branch_events, key=_event_text)
            in_branches = False
        elif kind == "ParallelStateStarted":
            in_branches = True
            branch_events = []
            start = index + 1
        elif in_branches:
            events[index] = {**events[index], "id": [0], "previousEventId": 0}
            branch_events.append(events[index])
        index += 1
    return events


def _event_text(event: dict[str, Any]) -> str:
    return json.dumps(event, default=str)


# --- running one execution -----------------------------------------------------------------------


@dataclass
class _Clock:
    now: float

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Replay:
    """What one recorded execution did on the interpreter."""

    result: dict[str, Any]  # shaped like the corpus's ``expected``; status CRASH on an exception
    events: list[dict[str, Any]]


def _execution_input(case: dict[str, Any]) -> Any:
    """The input the recording test started the execution with. A test that gave none recorded
    ``{}``: StartExecution's default input."""
    if case["input"] is None and case.get("input_recorded") == {}:
        return {}
    return case["input"]


def run_execution(case: dict[str, Any]) -> Replay:
    """Replay a recorded execution with a virtual clock (see the module docstring)."""
    clock = _Clock(START_TIME)
    machine = f"arn:aws:states:{_REGION}:{_ACCOUNT}:stateMachine:conformance"
    execution = Execution(
        case["definition"],
        execution_arn=f"arn:aws:states:{_REGION}:{_ACCOUNT}:execution:conformance:replay",
        state_machine_arn=machine,
        name="replay",
        execution_input=_execution_input(case),
        start_time=clock.now,
        role_arn=f"arn:aws:iam::{_ACCOUNT}:role/conformance",
        now=clock,
        rng=random.Random(0),
    )
    expected_status = case["expected"]["status"]
    for _ in range(_MAX_STEPS):
        progress = execution.step()
        if progress == DONE:
            break
        if progress != BLOCKED:
            continue
        if expected_status == "ABORTED":
            execution.stop(None, None)
            break
        wake = execution.wake_at()
        if expected_status == "UNKNOWN_LAST_EVENT" or wake is None:
            break
        clock.now = max(clock.now, wake)
    events = execution.take_events()
    state = execution.state
    status = execution.status
    result: dict[str, Any] = {"status": status}
    if status == "SUCCEEDED":
        result["output"] = state["output"]
    elif status in {"FAILED", "TIMED_OUT"}:
        result.update(error=state["error"], cause=state["cause"])
    elif status == "RUNNING":
        result = {"status": "UNKNOWN_LAST_EVENT", "last_event_type": events[-1]["type"]}
    return Replay(result, events)


# --- scoring -------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class CaseScore:
    """One execution case compared with its recording."""

    case_id: str
    labels: tuple[str, ...]
    agrees: bool
    reason: str  # why it disagrees ("" when it agrees)
    history: bool | None  # event types agree; None when the recording has no history
    history_reason: str
    known: str | None  # the KNOWN_DIVERGENT reason, if any


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
    return f"cause {_short(actual.get('cause'))}, expected {_short(expected.get('cause'))}"


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
        agrees=agreed,
        reason="" if agreed else _status_reason(expected, replay.result),
        history=history,
        history_reason=history_reason,
        known=KNOWN_DIVERGENT.get(case["id"]),
    )


@dataclass(frozen=True)
class InvalidScore:
    """One definition AWS rejects, checked with ``validate_definition``."""

    case_id: str
    expected_code: str
    code: str | None  # None: accepted
    exact: bool  # the message is AWS's, word for word

    @property
    def agrees(self) -> bool:
        return self.code == self.expected_code


# The recorder wrote placeholders over account-specific values; these need a concrete shape.
_DEFINITION_PLACEHOLDERS = {"<activityArn>": f"arn:aws:states:{_REGION}:{_ACCOUNT}:activity:A"}


def _concrete(definition: Any) -> Any:
    text = json.dumps(definition)
    for placeholder, value in _DEFINITION_PLACEHOLDERS.items():
        text = text.replace(json.dumps(placeholder), json.dumps(value))
    return json.loads(text)


def _machine_type(case: dict[str, Any]) -> Literal["STANDARD", "EXPRESS"]:
    # invalid-definitions.json records no type: its Express cases come from the Express tests.
    if case.get("state_machine_type") == "EXPRESS" or "Express" in case.get("test_id", ""):
        return "EXPRESS"
    return "STANDARD"


def score_invalid(case: dict[str, Any]) -> InvalidScore:
    expected = case["expected_error"]
    try:
        validate_definition(_concrete(case["definition"]), state_machine_type=_machine_type(case))
    except InvalidDefinition as error:
        return InvalidScore(
            case["id"], expected["code"], error.code, error.message == expected["message"]
        )
    return InvalidScore(case["id"], expected["code"], None, exact=False)


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
class CorpusScore:
    """Every case of the corpus, compared with AWS."""

    executions: list[CaseScore]
    not_replayable: list[CaseScore]  # replayed anyway, not counted
    intrinsic: list[tuple[str, tuple[str, ...], bool]]  # case id, functions, agrees
    invalid: list[InvalidScore]
    features: dict[str, tuple[Tally, Tally]] = field(default_factory=dict)

    @property
    def status(self) -> Tally:
        return Tally(sum(case.agrees for case in self.executions), len(self.executions))

    @property
    def history(self) -> Tally:
        recorded = [case for case in self.executions if case.history is not None]
        return Tally(sum(bool(case.history) for case in recorded), len(recorded))

    @property
    def intrinsics(self) -> Tally:
        return Tally(sum(agreed for _, _, agreed in self.intrinsic), len(self.intrinsic))

    @property
    def invalid_codes(self) -> Tally:
        return Tally(sum(case.agrees for case in self.invalid), len(self.invalid))

    @property
    def invalid_messages(self) -> Tally:
        return Tally(sum(case.exact for case in self.invalid), len(self.invalid))


def load(path: Path) -> list[dict[str, Any]]:
    """A corpus file's cases; an empty list when the corpus is absent."""
    if not path.is_file():
        return []
    cases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return cases


def corpus_present() -> bool:
    return EXECUTIONS.is_file() and INTRINSIC_CASES.is_file() and INVALID_DEFINITIONS.is_file()


@cache
def score_corpus() -> CorpusScore:
    """Score every case (once per process: the tests and the report share it)."""
    executions = load(EXECUTIONS)
    scores = [score_execution(case) for case in executions if case.get("replayable_offline")]
    by_id = {score.case_id: score for score in scores}
    intrinsic = [
        (case["id"], tuple(case["functions"]), case["id"] in by_id and by_id[case["id"]].agrees)
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
        features=dict(sorted(features.items(), key=lambda item: (-item[1][0].total, item[0]))),
    )


def function_scores(score: CorpusScore) -> Counter[tuple[str, bool]]:
    """Intrinsic cases per function and outcome."""
    counts: Counter[tuple[str, bool]] = Counter()
    for _, functions, agreed in score.intrinsic:
        for function in functions:
            counts[function, agreed] += 1
    return counts
