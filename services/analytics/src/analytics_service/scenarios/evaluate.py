"""Detection quality over labelled scenarios: recall, false alarms and detection delay.

- An incident is detected when a series it affects is anomalous in its first window or one of
  the two after it (delay 0, 1 or 2 windows).
- A scenario drawn with looks at its windows while they are open has them peeked at before each
  window is observed (as the stream consumer does): an alarm at a look is the window's alarm.
- A false alarm is an anomalous verdict (at a look or at the end) in a normal window of a
  series: not within an incident that affects that series, nor in the two windows after one (the
  scan's memory). False alarms are counted per metric, per 1,000 of that metric's normal
  windows that had a verdict (every dimension of a metric counts, so average order value has a
  window per currency).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from analytics_service.domain.anomaly import AnomalyDetector, Metric, SeriesKey, Status

from .generate import Incident, IncidentKind, Scenario, generate

DETECTION_WINDOWS = 2  # an incident must be found within this many windows of its start
AFTERMATH_WINDOWS = 2  # windows after an incident that are neither it nor normal
MINUTE = timedelta(minutes=1)

# The targets of issue 22.
TARGET_RECALL = 0.95
TARGET_FALSE_ALARMS_PER_1000 = 1.0
TARGET_MEDIAN_DELAY = 1.0


@dataclass
class Quality:
    incidents: Counter[IncidentKind] = field(default_factory=Counter)
    detected: Counter[IncidentKind] = field(default_factory=Counter)
    delays: list[int] = field(default_factory=list)
    false_alarms: Counter[Metric] = field(default_factory=Counter)
    normal_windows: Counter[Metric] = field(default_factory=Counter)
    too_few: Counter[Metric] = field(default_factory=Counter)  # normal windows left unscored

    @property
    def recall(self) -> float:
        total = sum(self.incidents.values())
        return sum(self.detected.values()) / total if total else 1.0

    @property
    def median_delay(self) -> float:
        return statistics.median(self.delays) if self.delays else 0.0

    def false_alarms_per_1000(self, metric: Metric) -> float:
        windows = self.normal_windows[metric]
        return 1000.0 * self.false_alarms[metric] / windows if windows else 0.0

    @property
    def worst_false_alarms_per_1000(self) -> float:
        return max((self.false_alarms_per_1000(m) for m in Metric), default=0.0)

    @property
    def targets_met(self) -> bool:
        return (
            self.recall >= TARGET_RECALL
            and self.worst_false_alarms_per_1000 <= TARGET_FALSE_ALARMS_PER_1000
            and self.median_delay <= TARGET_MEDIAN_DELAY
        )

    def add(self, other: Quality) -> None:
        self.incidents.update(other.incidents)
        self.detected.update(other.detected)
        self.delays.extend(other.delays)
        self.false_alarms.update(other.false_alarms)
        self.normal_windows.update(other.normal_windows)
        self.too_few.update(other.too_few)


def evaluate(
    scenario: Scenario, detector: Callable[[], AnomalyDetector] = AnomalyDetector
) -> Quality:
    """Run a fresh detector over the scenario's windows and score its verdicts."""
    model = detector()
    affected = _affected(scenario.incidents)
    alarms: dict[SeriesKey, set[datetime]] = {}
    quality = Quality()
    for window in scenario.windows:
        early = {
            scored.key
            for elapsed, partial in scenario.partials.get(window.start, ())
            for scored in model.peek(partial, elapsed)
            if scored.verdict.anomalous
        }
        for scored in model.observe(window):
            key, verdict = scored.key, scored.verdict
            alarmed = verdict.anomalous or key in early
            if alarmed:
                alarms.setdefault(key, set()).add(window.start)
            if window.start not in affected.get(key, ()):
                _count_normal(quality, key.metric, verdict.status, alarmed=alarmed)
    for incident in scenario.incidents:
        quality.incidents[incident.kind] += 1
        delay = _delay(incident.start, incident.affects, alarms)
        if delay is not None:
            quality.detected[incident.kind] += 1
            quality.delays.append(delay)
    return quality


def _affected(incidents: Iterable[Incident]) -> dict[SeriesKey, set[datetime]]:
    """The windows of each series that an incident (or its aftermath) takes out of normal."""
    affected: dict[SeriesKey, set[datetime]] = {}
    for incident in incidents:
        at = incident.start
        while at < incident.end + MINUTE * AFTERMATH_WINDOWS:
            for key in incident.affects:
                affected.setdefault(key, set()).add(at)
            at += MINUTE
    return affected


def _count_normal(quality: Quality, metric: Metric, status: Status, *, alarmed: bool) -> None:
    if status is Status.TOO_FEW and not alarmed:
        quality.too_few[metric] += 1
    elif status is not Status.WARMING_UP:
        quality.normal_windows[metric] += 1
        quality.false_alarms[metric] += alarmed


def _delay(
    start: datetime, affects: Iterable[SeriesKey], alarms: dict[SeriesKey, set[datetime]]
) -> int | None:
    for delay in range(DETECTION_WINDOWS + 1):
        at = start + MINUTE * delay
        if any(at in alarms.get(key, ()) for key in affects):
            return delay
    return None


def run(seeds: Iterable[int], days: int) -> Quality:
    """Generate and evaluate one scenario per seed, and add up the quality."""
    total = Quality()
    for seed in seeds:
        total.add(evaluate(generate(seed, days)))
    return total


def report(quality: Quality) -> list[str]:
    """Lines that say the figures, for a test's failure message or the benchmark."""
    lines = [
        (
            f"recall {quality.recall:.1%} ({sum(quality.detected.values())} of "
            f"{sum(quality.incidents.values())} incidents within {DETECTION_WINDOWS} windows), "
            f"median delay {quality.median_delay:g} windows"
        ),
    ]
    lines += [
        f"  {kind}: {quality.detected[kind]} of {quality.incidents[kind]}" for kind in IncidentKind
    ]
    lines += [
        f"  {metric}: {quality.false_alarms[metric]} false alarms in "
        f"{quality.normal_windows[metric]} normal windows "
        f"({quality.false_alarms_per_1000(metric):.2f} per 1,000), "
        f"{quality.too_few[metric]} too few to score"
        for metric in Metric
    ]
    return lines
