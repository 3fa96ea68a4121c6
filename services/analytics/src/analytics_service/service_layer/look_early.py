"""Use case: look at the minute windows still open, so an overwhelming anomaly alarms before its
window is final.

A window becomes final a minute and the allowed lateness after it starts; an incident that
starts early in it would wait that long for its alert. So every ``LOOK_EVERY`` of event time
(when a batch moves the latest event time across such a mark, and the reader is not catching up
on a backlog: ``catching_up``) the open windows are scored as
they stand with the stored models, learning nothing (``AnomalyDetector.peek``): a count against
the part of the window gone, a rate or a mean on the trials and items so far, and only at
CRITICAL strength (the model's ``early_factor``). An anomaly found is recorded with the id the
final score would give it (metric, window, dimensions), in a scoring write that keeps the cursor
and the models as read: the final score finds it recorded and publishes nothing twice, and a
look racing a scoring writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from analytics_service.adapters.ports import KpiStore, Scoring
from analytics_service.domain.anomaly import Anomaly, AnomalyDetector
from analytics_service.domain.windows import Granularity
from analytics_service.service_layer.score_windows import Prior

LOOK_EVERY = timedelta(seconds=10)  # of event time, between two looks at the open windows
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Looked:
    windows: int = 0
    anomalies: list[Anomaly] = field(default_factory=list)


def look_due(before: datetime | None, after: datetime | None) -> bool:
    """Whether the latest event time crossed a ``LOOK_EVERY`` mark moving ``before`` to
    ``after`` (on the first batch, whether there is a latest event time at all)."""
    if after is None:
        return False
    return before is None or (after - _EPOCH) // LOOK_EVERY > (before - _EPOCH) // LOOK_EVERY


def catching_up(latest: datetime, now: datetime, lateness: timedelta) -> bool:
    """Whether the reader is more than the allowed lateness behind the stream's newest event
    time (a backlog): the windows a look would see then become final at the reader's speed,
    within a few batches, and the final score alerts as soon as a look would. Looking at every
    batch of a backlog (each one crosses a look mark) only spends the models' read."""
    return now - latest > lateness


def look_early(store: KpiStore, latest: datetime, prior: Prior | None = None) -> Looked:
    """Score the minute windows after the scoring cursor (the open ones) as far as ``latest``,
    the latest event time delivered; record the anomalies found. Before any window is scored,
    the models are the prior's, as the first scoring's will be (and none without a prior)."""
    result = Looked()
    scoring = store.scoring()
    if scoring.scored_until is None:
        return result
    detector = AnomalyDetector.restored(scoring.models)
    if not detector.models:
        if prior is None:
            return result  # no model has seen a window yet: nothing to compare with
        detector = prior(scoring.scored_until)
    minute = Granularity.MINUTE.length
    for window in store.windows(Granularity.MINUTE, scoring.scored_until, latest + minute):
        elapsed = min((latest - window.window.start) / minute, 1.0)
        if elapsed <= 0:
            continue
        result.windows += 1
        scored = detector.peek(window.totals(), elapsed)
        result.anomalies += [s.anomaly for s in scored if s.anomaly is not None]
    keep = Scoring(scoring.scored_until)  # the cursor as read, no model changed
    if result.anomalies and not store.save_scoring(scoring.scored_until, keep, result.anomalies):
        result.anomalies = []  # a scoring moved the cursor meanwhile: the next look sees it
    return result
