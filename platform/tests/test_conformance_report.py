"""CONFORMANCE.md says what the conformance runners measure today, figure for figure."""

from __future__ import annotations

from tests.conformance_report import REPORT, render
from tests.patterns.conformance import score_corpus as score_patterns
from tests.sfn.conformance_score import score_corpus
from tests.sns.conformance import score_corpus as score_sns


def test_the_committed_report_is_what_the_runners_render() -> None:
    rendered = render(score_patterns(), score_corpus(), score_sns())
    assert REPORT.read_text(encoding="utf-8") == rendered, (
        "CONFORMANCE.md is stale: run `make conformance` and commit it"
    )
