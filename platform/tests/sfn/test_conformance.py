"""The interpreter against AWS: every recorded execution of the conformance corpus, replayed.

Each test holds one measure of ``conformance_score.py`` at the score reached: exactly the
measure's known disagreements (none today) may disagree, over exactly the corpus's cases. It
prints the score, the AWS-validated share, and every disagreement with a one-line reason, so that
a failure says which cases moved and why. The corpus is the repository's copy in
``<project root>/conformance``.
"""

from __future__ import annotations

import pytest
from ordermesh_platform.sfn.interpreter import Execution
from tests.sfn.conformance import run_execution, sort_parallel_branches
from tests.sfn.conformance_score import (
    CASES,
    CorpusScore,
    Measure,
    Outcome,
    score_corpus,
    short_name,
)


@pytest.fixture(scope="module")
def score() -> CorpusScore:
    return score_corpus()


def _summary(measure: Measure) -> list[str]:
    return [
        (
            f"Step Functions conformance, {measure.title}: {measure.tally} agree "
            f"(AWS-validated cases: {measure.validated})"
        ),
        *(
            f"  disagrees: {short_name(case)}: {measure.known.get(case) or reason}"
            for case, reason in measure.disagreements.items()
        ),
    ]


@pytest.mark.parametrize("key", list(CASES))
def test_measure_holds_the_score_reached(
    key: str, score: CorpusScore, capsys: pytest.CaptureFixture[str]
) -> None:
    measure = score.measures()[key]
    lines = _summary(measure)
    if key == "status":
        lines += [
            f"  {name}: {status}" + (f", history {history}" if history.total else "")
            for name, (status, history) in score.features.items()
        ]
    if key.startswith("invalid"):
        lines += [
            f"  {test}: codes {codes}, messages {messages}"
            + ("" if validated else " (not AWS-validated)")
            for test, (validated, codes, messages) in score.by_test().items()
        ]
    text = "\n".join(lines)
    with capsys.disabled():
        print(f"\n{text}")  # noqa: T201 - the score and the disagreements belong in the output
    problems = measure.problems()
    assert not problems, "\n".join([*problems, text])


def test_a_new_or_a_mended_disagreement_breaks_the_measure() -> None:
    outcomes = [
        Outcome("a", aws_validated=True, reason=None),
        Outcome("b", aws_validated=False, reason="output differs"),
    ]
    holds = Measure("intrinsic", "t", outcomes * 57, {"b": "a known reason"})
    assert holds.problems() == []
    new = Measure("intrinsic", "t", outcomes * 57, {})
    assert new.problems() == ["disagrees, not known: b: output differs"]
    mended = Measure(
        "intrinsic",
        "t",
        [Outcome("b", aws_validated=False, reason=None)] * 114,
        {"b": "a known reason"},
    )
    assert mended.problems() == ["known to disagree but agrees now (remove it): b"]
    short = Measure("intrinsic", "t", [Outcome("a", aws_validated=True, reason=None)], {})
    assert short.problems() == ["intrinsic: 1 cases, expected 114"]


# --- the runner itself ---------------------------------------------------------------------------


def _wait_case(status: str) -> dict[str, object]:
    definition = {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 3600, "Next": "P"},
            "P": {"Type": "Pass", "End": True},
        },
    }
    return {"definition": definition, "input": {"a": 1}, "expected": {"status": status}}


def test_runner_jumps_the_virtual_clock_over_waits() -> None:
    replay = run_execution(_wait_case("SUCCEEDED"))
    assert replay.result == {"status": "SUCCEEDED", "output": {"a": 1}}
    entered, exited = replay.events[1], replay.events[2]
    assert exited["timestamp"] - entered["timestamp"] == 3600


def test_runner_stops_or_leaves_running_where_the_recording_did() -> None:
    aborted = run_execution(_wait_case("ABORTED"))
    assert aborted.result == {"status": "ABORTED"}
    assert [event["type"] for event in aborted.events][-1] == "ExecutionAborted"
    running = run_execution(_wait_case("UNKNOWN_LAST_EVENT"))
    assert running.result == {"status": "UNKNOWN_LAST_EVENT", "last_event_type": "WaitStateEntered"}


def test_parallel_normalisation_sorts_branches_and_drops_the_succeeded_event() -> None:
    # A Parallel state with two one-state branches, as the interpreter records it.
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": name, "States": {name: {"Type": "Pass", "End": True}}}
                    for name in ("B", "A")
                ],
            }
        },
    }
    execution = Execution(
        definition,
        execution_arn="arn:aws:states:us-east-1:111111111111:execution:m:e",
        state_machine_arn="arn:aws:states:us-east-1:111111111111:stateMachine:m",
        name="e",
        execution_input={},
        start_time=0.0,
        role_arn="arn:aws:iam::111111111111:role/r",
        now=lambda: 0.0,
    )
    execution.run()
    events = sort_parallel_branches(execution.take_events())
    assert [(event["type"], event["id"]) for event in events] == [
        ("ExecutionStarted", 1),
        ("ParallelStateEntered", 2),
        ("ParallelStateStarted", 3),
        ("PassStateEntered", [0]),
        ("PassStateEntered", [0]),
        ("PassStateExited", [0]),
        ("PassStateExited", [0]),
        ("ParallelStateExited", 9),
        ("ExecutionSucceeded", 10),
    ]
    names = [event["stateEnteredEventDetails"]["name"] for event in events[3:5]]
    assert names == ["A", "B"]
