"""The Step Functions conformance corpus, run on the interpreter: the runner.

The corpus (``<project root>/conformance/stepfunctions``, a copy of ``../shared/conformance``)
holds executions recorded by LocalStack's snapshot tests, most of them against AWS, the
intrinsic-function cases among them, and definitions AWS rejects. ``run_execution`` replays one
recorded execution on ``Execution`` with a virtual clock: when the execution blocks, time jumps
to its ``wake_at()``, so Wait states and retry back-offs take no real time. Two recorded
outcomes say where the recording test stopped looking: ``ABORTED`` (the test stopped the
execution while it waited: it is stopped when it first blocks) and ``UNKNOWN_LAST_EVENT`` (the
test read the history while the execution was still waiting: it is left running when it first
blocks, and its last event type is compared).

``agrees`` compares an outcome with its recording, where the recorder's placeholders are
wildcards (``matches``). ``conformance_score.py`` scores the whole corpus with these.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ordermesh_platform.sfn.interpreter import BLOCKED, DONE, Execution
from tests.corpus import CONFORMANCE

CORPUS = CONFORMANCE / "stepfunctions"
EXECUTIONS = CORPUS / "executions.json"
INTRINSIC_CASES = CORPUS / "intrinsic-function-cases.json"
INVALID_DEFINITIONS = CORPUS / "invalid-definitions.json"

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
        return f"{path}: expected {short(expected)}, got {short(actual)}"
    found = (first_difference(want, got, where) for want, got, where in pairs)
    return next((difference for difference in found if difference is not None), None)


def short(value: Any, limit: int = 160) -> str:
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
