"""The interpreter against AWS: every recorded execution of the conformance corpus, replayed.

Each test asserts one target of ``conformance.py`` and prints its score, per feature, and every
disagreement with a one-line reason, so that a failure says which cases moved and why. The
corpus lives in ``<project root>/../shared/conformance``; the tests skip when it is absent.
"""

from __future__ import annotations

import pytest
from ordermesh_platform.sfn.interpreter import Execution
from tests.sfn.conformance import (
    HISTORY_TARGET,
    INTRINSIC_TARGET,
    INVALID_TARGET,
    KNOWN_DIVERGENT,
    MISSING,
    STATUS_TARGET,
    CorpusScore,
    corpus_present,
    run_execution,
    score_corpus,
    short_name,
    sort_parallel_branches,
)

needs_corpus = pytest.mark.skipif(not corpus_present(), reason=MISSING)


@pytest.fixture(scope="module")
def score() -> CorpusScore:
    return score_corpus()


def _report(capsys: pytest.CaptureFixture[str], lines: list[str]) -> str:
    text = "\n".join(lines)
    with capsys.disabled():
        print(f"\n{text}")  # noqa: T201 - the score and the disagreements belong in the output
    return text


@needs_corpus
def test_status_and_output_agree_with_aws(
    score: CorpusScore, capsys: pytest.CaptureFixture[str]
) -> None:
    tally = score.status
    lines = [f"Step Functions executions: status and output agree for {tally}"]
    lines += [
        f"  {name}: {status}" + (f", history {history}" if history.total else "")
        for name, (status, history) in score.features.items()
    ]
    lines += [
        f"  disagrees: {short_name(case.case_id)}: {case.known or case.reason}"
        for case in score.executions
        if not case.agrees
    ]
    summary = _report(capsys, lines)
    assert tally.total >= 500, f"the corpus looks truncated: {tally.total} replayable cases"
    assert tally.share >= STATUS_TARGET, summary


@needs_corpus
def test_history_event_types_agree_with_aws(
    score: CorpusScore, capsys: pytest.CaptureFixture[str]
) -> None:
    tally = score.history
    lines = [f"Step Functions executions: history event types agree for {tally}"]
    lines += [
        f"  disagrees: {short_name(case.case_id)}: {case.history_reason}"
        for case in score.executions
        if case.history is False
    ]
    summary = _report(capsys, lines)
    assert tally.total >= 300, f"the corpus looks truncated: {tally.total} recorded histories"
    assert tally.share >= HISTORY_TARGET, summary


@needs_corpus
def test_intrinsic_function_cases_agree_with_aws(
    score: CorpusScore, capsys: pytest.CaptureFixture[str]
) -> None:
    tally = score.intrinsics
    lines = [f"Step Functions intrinsic-function cases: {tally} agree"]
    lines += [
        f"  disagrees: {short_name(case_id)} ({', '.join(functions)})"
        for case_id, functions, agreed in score.intrinsic
        if not agreed
    ]
    summary = _report(capsys, lines)
    assert tally.total >= 100, f"the corpus looks truncated: {tally.total} intrinsic cases"
    assert tally.share >= INTRINSIC_TARGET, summary


@needs_corpus
def test_invalid_definitions_rejected_with_aws_error_code(
    score: CorpusScore, capsys: pytest.CaptureFixture[str]
) -> None:
    tally = score.invalid_codes
    headline = (
        f"Step Functions invalid definitions: {tally} rejected with AWS's error code, "
        f"{score.invalid_messages} with its exact message"
    )
    lines = [headline]
    lines += [
        f"  disagrees: {short_name(case.case_id)}: {case.code or 'accepted'}, "
        f"expected {case.expected_code}"
        for case in score.invalid
        if not case.agrees
    ]
    summary = _report(capsys, lines)
    assert tally.total >= 90, f"the corpus looks truncated: {tally.total} invalid definitions"
    assert tally.share >= INVALID_TARGET, summary


@needs_corpus
def test_known_divergences_name_cases_of_the_corpus(score: CorpusScore) -> None:
    ids = {case.case_id for case in score.executions}
    assert set(KNOWN_DIVERGENT) <= ids


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
