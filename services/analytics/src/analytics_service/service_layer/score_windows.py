"""Use case: score the minute windows that became final with the anomaly models.

Reads what the scoring consumed and learned, scores every final minute window after it, oldest
first (a window with no counters is a gap in the data, not a zero: nothing was measured), and
saves after each window, in one atomic write, the new cursor, the models and the anomalies
found, conditional on the cursor being what it read. The windows scored are those the final
watermark passed, whichever invocation moved it: a batch retried after its windows became final
scores them then, and one whose windows another invocation scored writes nothing. A scoring more
than ``MAX_CATCH_UP`` behind starts there (the models see a gap).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from analytics_service.adapters.ports import KpiStore, Scoring
from analytics_service.domain.anomaly import Anomaly, AnomalyDetector
from analytics_service.domain.windows import Granularity
from analytics_service.domain.windows.window import floor

MAX_CATCH_UP = timedelta(hours=3)
# Models for a first window, when none are stored yet (a prior), or None to warm up on the stream.
Prior = Callable[[datetime], AnomalyDetector]


@dataclass
class ScoredWindows:
    windows: int = 0
    anomalies: list[Anomaly] = field(default_factory=list)
    lost_race: bool = False  # another invocation scored these windows first


def score_windows(store: KpiStore, prior: Prior | None = None) -> ScoredWindows:
    result = ScoredWindows()
    final = store.final_watermark()
    if final is None:
        return result
    end = floor(final, Granularity.MINUTE)  # minute windows starting before it are final
    if (until := store.scored_until()) is not None and until >= end:
        return result  # nothing due: the models are not read
    scoring = store.scoring()
    before = scoring.scored_until
    if before is not None and before >= end:
        return result
    start = end - MAX_CATCH_UP if before is None else max(before, end - MAX_CATCH_UP)
    detector = AnomalyDetector.restored(scoring.models)
    for window in store.windows(Granularity.MINUTE, start, end):
        if not detector.models and prior is not None:
            detector = prior(window.window.start)
        found = [s.anomaly for s in detector.observe(window.totals()) if s.anomaly is not None]
        if not store.save_scoring(before, Scoring(window.window.end, detector.state()), found):
            result.lost_race = True
            return result
        before = window.window.end
        result.windows += 1
        result.anomalies += found
    if before != end and not store.save_scoring(before, Scoring(end), []):
        result.lost_race = True
    return result
