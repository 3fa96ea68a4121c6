"""The rule every conformance test holds: exactly the listed cases disagree, each for its
listed reason (one more is a regression, one fewer a stale entry)."""

from __future__ import annotations

from collections.abc import Mapping


def unlisted_and_stale(
    disagreements: Mapping[str, str], known: Mapping[str, str]
) -> tuple[list[str], list[str], list[str]]:
    """The cases that disagree without being listed (or for another reason), the listed cases
    that agree now, and report lines naming both."""
    unexpected = sorted(
        case for case, problem in disagreements.items() if known.get(case) != problem
    )
    stale = sorted(known.keys() - disagreements.keys())
    lines = [f"not a known disagreement (or not for this reason): {case}" for case in unexpected]
    lines += [f"listed as known but agrees now (remove it): {case}" for case in stale]
    return unexpected, stale, lines
