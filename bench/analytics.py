"""Anomaly detection quality: the analytics service's model over seeded, labelled scenarios.

Each seed is a week of one-minute windows (the first day the model's warm-up) of a mid-sized
shop's traffic (``Traffic()``: a 400 orders/minute evening peak, 15% of it at night, drift,
jitter) with six labelled incidents a day after the warm-up (payment outages, traffic drops and
surges, order value jumps, stock-out waves, of random size, length and time of day). Reported:
recall (incidents found within 2 windows of their start), false alarms per 1,000 normal windows
of each metric, median detection delay, and the model's cost per observation. Smaller shops are
reported beside it, without targets: one-minute windows hold fewer orders there.

``ORDERMESH_BENCH_ANALYTICS_SEEDS`` sets how many seeds (default 20) for a quicker look.
"""

from __future__ import annotations

import os
import time
from collections import Counter

from analytics_service.domain.anomaly import Metric
from analytics_service.scenarios.evaluate import (
    DETECTION_WINDOWS,
    TARGET_FALSE_ALARMS_PER_1000,
    TARGET_MEDIAN_DELAY,
    TARGET_RECALL,
    Quality,
    evaluate,
)
from analytics_service.scenarios.generate import IncidentKind, Traffic, generate

SEEDS = int(os.environ.get("ORDERMESH_BENCH_ANALYTICS_SEEDS", "20"))
DAYS = 7
SMALL_SHOP_PEAKS = (100.0, 40.0)  # orders per minute at the evening peak
SMALL_SHOP_SEEDS = 4
LOOKS = 5  # looks at each minute while it is open, as the stream consumer makes every 10 s


def _run(seeds: range, traffic: Traffic) -> tuple[Quality, int, float]:
    """The quality over these seeds, the observations scored and the seconds scoring took."""
    total, observations, seconds = Quality(), 0, 0.0
    for seed in seeds:
        scenario = generate(seed, DAYS, traffic=traffic, looks=LOOKS)
        observations += sum(len(w.observations()) for w in scenario.windows)
        start = time.process_time()
        total.add(evaluate(scenario))
        seconds += time.process_time() - start
    return total, observations, seconds


def run() -> tuple[str, bool]:
    quality, observations, seconds = _run(range(1, SEEDS + 1), Traffic())
    small = [
        (peak, _run(range(1, SMALL_SHOP_SEEDS + 1), Traffic(peak_orders_per_minute=peak))[0])
        for peak in SMALL_SHOP_PEAKS
    ]
    return _report(quality, observations, seconds, small)


def _verdict(*, met: bool) -> str:
    return "met" if met else "NOT met"


def _report(
    quality: Quality, observations: int, seconds: float, small: list[tuple[float, Quality]]
) -> tuple[str, bool]:
    recall_met = quality.recall >= TARGET_RECALL
    alarms_met = quality.worst_false_alarms_per_1000 <= TARGET_FALSE_ALARMS_PER_1000
    delay_met = quality.median_delay <= TARGET_MEDIAN_DELAY
    delays = Counter(quality.delays)
    lines = [
        "## Anomaly detection quality",
        "",
        (
            f"{SEEDS} seeded weeks of one-minute windows (`analytics_service.scenarios`: a "
            "400 orders/minute evening peak, 15% of it at night, drift and jitter; the first day "
            "is the warm-up), six labelled incidents a day after it, scored by a fresh "
            "`AnomalyDetector` per week (the seasonal baseline of decision note anomaly-model), "
            f"each window also looked at {LOOKS} times while open, as the stream consumer does "
            "(an alarm at a look is the window's; a false alarm at a look counts as one). "
            f"An incident counts as found when a series it affects is anomalous within "
            f"{DETECTION_WINDOWS} windows of its start."
        ),
        "",
        "| incident | incidents | found | recall |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {kind} | {quality.incidents[kind]} | {quality.detected[kind]} | "
            f"{quality.detected[kind] / max(quality.incidents[kind], 1):.1%} |"
            for kind in IncidentKind
        ),
        (
            f"| all | {sum(quality.incidents.values())} | {sum(quality.detected.values())} | "
            f"**{quality.recall:.1%}** |"
        ),
        "",
        "| metric | normal windows scored | too few to score | false alarms | per 1,000 |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(
            f"| {metric} | {quality.normal_windows[metric]:,} | {quality.too_few[metric]:,} | "
            f"{quality.false_alarms[metric]} | {quality.false_alarms_per_1000(metric):.2f} |"
            for metric in Metric
        ),
        "",
        (
            "Detection delay (windows after the start): "
            + ", ".join(f"{d}: {delays[d]}" for d in range(DETECTION_WINDOWS + 1))
            + f"; median {quality.median_delay:g}. Scoring cost: "
            f"{seconds / observations * 1e6:.1f} µs of CPU per observation "
            f"({observations:,} observations, evaluation and the looks at open windows included)."
        ),
        "",
        "Smaller shops, same incidents, no target (a one-minute window holds fewer orders):",
        "",
        "| evening peak | recall | median delay | worst false alarms per 1,000 |",
        "| ---: | ---: | ---: | ---: |",
        *(
            f"| {peak:.0f} orders/min | {q.recall:.1%} | {q.median_delay:g} | "
            f"{q.worst_false_alarms_per_1000:.2f} |"
            for peak, q in small
        ),
        "",
        (
            f"Targets: recall at least {TARGET_RECALL:.0%} (**{quality.recall:.1%}, "
            f"{_verdict(met=recall_met)}**); at most {TARGET_FALSE_ALARMS_PER_1000:g} false alarm "
            f"per 1,000 normal windows of every metric (worst **"
            f"{quality.worst_false_alarms_per_1000:.2f}, {_verdict(met=alarms_met)}**); median "
            f"delay at most {TARGET_MEDIAN_DELAY:g} window (**{quality.median_delay:g}, "
            f"{_verdict(met=delay_met)}**)."
        ),
    ]
    return "\n".join(lines), recall_met and alarms_met and delay_met


if __name__ == "__main__":
    text, _ = run()
    print(text)
