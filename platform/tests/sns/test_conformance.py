"""Conformance of SNS filter policies with AWS on LocalStack's AWS-validated recordings.

The runner is ``conformance.py``. The test prints the agreement per kind and scope, and requires
exactly the cases listed in ``KNOWN_DISAGREEMENTS`` to disagree, each for its listed reason, and
at least 99% of the corpus to agree.
"""

from __future__ import annotations

import pytest
from tests.known_disagreements import unlisted_and_stale
from tests.sns.conformance import CASES, CORPUS, KNOWN_DISAGREEMENTS, score_corpus, short_name

TARGET = 0.99


def test_filter_policies_agree_with_aws(capsys: pytest.CaptureFixture[str]) -> None:
    score = score_corpus()
    report = ["SNS filter policy conformance (recorded against AWS), agreement:"]
    for family in score.families():
        share = score.agreed[family] / score.totals[family]
        report.append(
            f"  {family:<24} {score.agreed[family]:>4}/{score.totals[family]:<4} {share:8.2%}"
        )
    report.append(
        f"rejections with AWS's message word for word: "
        f"{score.messages_agreeing}/{score.messages_compared}"
    )
    report.append(f"disagreements: {len(score.disagreements)}")
    report += [f"  {short_name(case)}: {problem}" for case, problem in score.disagreements.items()]
    unexpected, stale, lines = unlisted_and_stale(score.disagreements, KNOWN_DISAGREEMENTS)
    report += lines
    summary = "\n".join(report)
    with capsys.disabled():
        print(f"\n{summary}")  # noqa: T201 - the summary belongs in the test output
    assert score.totals["all"] == CASES, f"{CORPUS} has {score.totals['all']} cases, not {CASES}"
    assert not unexpected, summary
    assert not stale, summary
    assert score.agreed["all"] / score.totals["all"] >= TARGET, summary
