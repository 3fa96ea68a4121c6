"""Conformance with aws/event-ruler (the engine behind EventBridge) on its labelled corpus.

The runner is ``conformance.py``. The test prints the agreement per operator family and requires
exactly the cases listed in ``KNOWN_DISAGREEMENTS`` to disagree, each for its listed reason: the
score reached is the score held.
"""

from __future__ import annotations

import pytest
from tests.known_disagreements import unlisted_and_stale
from tests.patterns.conformance import CASES, CORPUS, KNOWN_DISAGREEMENTS, score_corpus


def test_agrees_with_event_ruler_labels(capsys: pytest.CaptureFixture[str]) -> None:
    score = score_corpus()
    report = ["EventBridge conformance (aws/event-ruler 2.0.1 labels), agreement per family:"]
    for family in score.families():
        share = score.agreed[family] / score.totals[family]
        report.append(
            f"  {family:<20} {score.agreed[family]:>5}/{score.totals[family]:<5} {share:8.2%}"
        )
    report.append(f"disagreements: {len(score.disagreements)}")
    report += [
        f"  {case}: {problem} | pattern {score.patterns[case][:160]!r}"
        for case, problem in score.disagreements.items()
    ]
    unexpected, stale, lines = unlisted_and_stale(score.disagreements, KNOWN_DISAGREEMENTS)
    report += lines
    summary = "\n".join(report)
    with capsys.disabled():
        print(f"\n{summary}")  # noqa: T201 - the per-family summary belongs in the test output
    assert score.totals["all"] == CASES, f"{CORPUS} has {score.totals['all']} cases, not {CASES}"
    assert not unexpected, summary
    assert not stale, summary
