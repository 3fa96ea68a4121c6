"""An online anomaly model for one time series, fed one window at a time.

Expected value: a slowly moving level times (or plus) a daily profile, both fitted from the first
day (the warm-up, which gives no verdicts) and learned online afterwards. Noise: the kind's own
(Poisson for counts, binomial for rates with their trials) times a dispersion learned from the
residuals. Score: the largest standardised deviation of the last one, two or three windows
together, so that a shift too small to show in one window is found in the next two. Anomalous
windows do not teach the baseline; a shift that lasts ``relearn_after`` is taken as the new level.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .noise import SeriesKind
from .profile import DailyProfile

STATE_VERSION = 1  # of ``AnomalyModel.state()``: a change of its shape is a new version
_CHI2_1_MEDIAN = 0.454936  # median of a chi-squared variable with one degree of freedom


class Status(StrEnum):
    WARMING_UP = "warming-up"  # not enough history yet: no verdict
    TOO_FEW = "too-few"  # the count behind the value is too small to say anything
    NORMAL = "normal"
    ANOMALOUS = "anomalous"


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    kind: SeriesKind = SeriesKind.GAUGE
    step: timedelta = timedelta(minutes=1)  # the window length: a longer gap resets the scan
    season_buckets: int = 48  # time-of-day buckets in the daily profile; 0 for none
    warmup: timedelta = timedelta(days=1)  # history before the first verdict
    level_half_life: timedelta = timedelta(hours=1)
    season_half_life_days: float = 2.0  # how many days of a bucket's points weigh half
    dispersion_half_life: timedelta = timedelta(hours=4)
    threshold: float = 5.0  # a score at or above it is anomalous
    scan: int = 3  # windows a deviation may accumulate over
    min_current: float = 2.0  # a multi-window score needs this much in the current window
    clip: float = 3.0  # deviations beyond it teach the baseline no more than it
    min_weight: float = 10.0  # fewest trials (rates) or items (means) to score a window
    relearn_after: int = 180  # anomalous windows in a row after which the level is relearned
    # A window still open is scored (``peek``) as it fills, alone and at this many times the
    # threshold: only evidence that is already overwhelming alarms before the window ends, so
    # the repeated looks at one window add no false alarms the final score would not make.
    early_factor: float = 2.5

    def __post_init__(self) -> None:
        if self.scan < 1 or self.threshold <= 0 or self.step <= timedelta(0):
            raise ValueError("scan must be at least 1, threshold and step positive")
        if self.early_factor < 1:
            raise ValueError("early_factor must be at least 1 (a look is never laxer than the end)")
        if self.season_buckets < 0:
            raise ValueError("season_buckets must be 0 (no profile) or more")

    def rate(self, half_life: timedelta) -> float:
        """The per-window smoothing rate whose weights halve every ``half_life``."""
        return 1.0 - math.pow(0.5, self.step / half_life)


@dataclass(frozen=True)
class Verdict:
    at: datetime
    observed: float
    status: Status
    expected: float | None = None  # what the model expected (none while warming up)
    deviation: float | None = None  # this window's z-score, negative below expectation
    score: float | None = None  # the largest |z| over the scan; the verdict's evidence

    @property
    def anomalous(self) -> bool:
        return self.status is Status.ANOMALOUS


@dataclass
class _Warmup:
    first: datetime | None = None
    points: list[tuple[datetime, float, float]] = field(default_factory=list)


class AnomalyModel:
    """``observe(at, value, weight)`` once per window, in time order; returns the verdict."""

    def __init__(self, config: ModelConfig | None = None) -> None:
        self.config = config or ModelConfig()
        kind = self.config.kind
        self._warmup: _Warmup | None = _Warmup()
        self._profile: DailyProfile | None = None
        self._level = 0.0
        self._dispersion = kind.dispersion_floor
        self._recent: deque[float] = deque(maxlen=max(self.config.scan - 1, 0))
        self._last: datetime | None = None
        self._run: deque[float] = deque(maxlen=15)  # levels seen in the current anomalous run
        self._run_length = 0
        self._updates = 0
        self._alpha = self.config.rate(self.config.level_half_life)
        self._beta = self.config.rate(self.config.dispersion_half_life)
        buckets = self.config.season_buckets
        per_bucket_day = (timedelta(days=1) / buckets) / self.config.step if buckets else 1.0
        self._gamma = 1.0 - 0.5 ** (1.0 / (self.config.season_half_life_days * per_bucket_day))

    @property
    def warming_up(self) -> bool:
        return self._warmup is not None

    def state(self) -> dict[str, Any]:
        """What the model has learned, as plain JSON values: ``restored`` gives it back, so a
        model can live between invocations in any store."""
        warmup = self._warmup
        return {
            "v": STATE_VERSION,
            "warmup": None
            if warmup is None
            else {
                "first": None if warmup.first is None else warmup.first.isoformat(),
                # seconds after the first point: a day of points stays under 40 KB of JSON
                "points": [
                    [(at - warmup.first).total_seconds(), value, items]
                    for at, value, items in warmup.points
                    if warmup.first is not None
                ],
            },
            "profile": None if self._profile is None else self._profile.factors,
            "level": self._level,
            "dispersion": self._dispersion,
            "recent": list(self._recent),
            "last": None if self._last is None else self._last.isoformat(),
            "run": list(self._run),
            "run_length": self._run_length,
            "updates": self._updates,
        }

    @classmethod
    def restored(cls, config: ModelConfig, state: Mapping[str, Any]) -> AnomalyModel:
        """The model whose ``state()`` this was, with ``config`` (the series' configuration)."""
        if state.get("v") != STATE_VERSION:
            raise ValueError(f"unknown model state version {state.get('v')!r}")
        model = cls(config)
        warmup = state["warmup"]
        if warmup is None:
            model._warmup = None
        else:
            first = None if warmup["first"] is None else datetime.fromisoformat(warmup["first"])
            points = [
                (first + timedelta(seconds=s), float(v), float(i))
                for s, v, i in warmup["points"]
                if first is not None
            ]
            model._warmup = _Warmup(first, points)
        factors = state["profile"]
        if factors is not None:
            model._profile = DailyProfile(factors, multiplicative=config.kind.multiplicative)
        model._level = float(state["level"])
        model._dispersion = float(state["dispersion"])
        model._recent.extend(float(d) for d in state["recent"])
        model._last = None if state["last"] is None else datetime.fromisoformat(state["last"])
        model._run.extend(float(v) for v in state["run"])
        model._run_length = int(state["run_length"])
        model._updates = int(state["updates"])
        return model

    def expected(self, at: datetime) -> float:
        """What the model expects at ``at`` (after the warm-up)."""
        if self._profile is None:
            return self.config.kind.expected(self._level)
        return self.config.kind.expected(self._profile.apply(self._level, at))

    def observe(self, at: datetime, value: float, weight: float | None = None) -> Verdict:
        kind = self.config.kind
        if kind.weighted and weight is None:
            raise ValueError(f"a {kind} series needs the count behind each value (weight)")
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite value")
        items = 1.0 if weight is None else float(weight)
        gap = self._last is not None and at - self._last > self.config.step * 1.5
        self._last = at
        if self._warmup is not None:
            if items > 0:
                self._warm(self._warmup, at, value, items)
            return Verdict(at, value, Status.WARMING_UP)
        if gap:
            self._recent.clear()
        expected = self.expected(at)
        if kind.weighted and items < self.config.min_weight:
            return Verdict(at, value, Status.TOO_FEW, expected)
        residual = kind.residual(value, expected, items)
        deviation = residual / math.sqrt(self._dispersion)
        score = self._score(deviation)
        anomalous = score >= self.config.threshold
        self._recent.append(deviation)
        if anomalous:
            self._hold(at, value)
        else:
            self._learn(at, value, expected, residual, deviation)
        status = Status.ANOMALOUS if anomalous else Status.NORMAL
        return Verdict(at, value, status, expected, deviation, score)

    def peek(
        self, at: datetime, value: float, weight: float | None = None, *, elapsed: float = 1.0
    ) -> Verdict:
        """The verdict on the window at ``at`` while it is still open, ``elapsed`` of it gone
        (0 to 1), learning nothing. A count is compared with the expected count of the part
        gone (and reported as a whole window's, scaled up); a rate or a mean of the items so far
        is a sample like any other. The window alone is scored (no scan), and it is anomalous
        only at ``early_factor`` times the threshold. A count below what was expected is not
        anomalous before the window ends: events not seen yet are no evidence of a fall while
        the window may have started unobserved (a consumer or a shop starting late in it)."""
        kind = self.config.kind
        if kind.weighted and weight is None:
            raise ValueError(f"a {kind} series needs the count behind each value (weight)")
        if not 0.0 < elapsed <= 1.0 or not math.isfinite(value):
            raise ValueError(f"elapsed {elapsed!r} is not in (0, 1] or {value!r} is not finite")
        if self._warmup is not None:
            return Verdict(at, value, Status.WARMING_UP)
        items = 1.0 if weight is None else float(weight)
        expected = self.expected(at)
        if kind.weighted and items < self.config.min_weight:
            return Verdict(at, value, Status.TOO_FEW, expected)
        part = elapsed if kind is SeriesKind.COUNT else 1.0
        deviation = kind.residual(value, expected * part, items) / math.sqrt(self._dispersion)
        score = abs(deviation)
        anomalous = score >= self.config.threshold * self.config.early_factor
        if kind is SeriesKind.COUNT and deviation < 0:
            anomalous = False
        status = Status.ANOMALOUS if anomalous else Status.NORMAL
        return Verdict(at, value / part, status, expected, deviation, score)

    def _score(self, deviation: float) -> float:
        """The largest standardised sum of the last k deviations (k up to ``scan``) in the
        current one's direction; only the current window alone when it is itself small."""
        score = abs(deviation)
        if abs(deviation) < self.config.min_current:
            return score
        total, windows = deviation, 1
        for previous in reversed(self._recent):
            total += previous
            windows += 1
            if total * deviation > 0:
                score = max(score, abs(total) / math.sqrt(windows))
        return score

    def _learn(
        self, at: datetime, value: float, expected: float, residual: float, deviation: float
    ) -> None:
        """Move level, profile and dispersion towards a normal window, its deviation clipped."""
        self._run_length = 0
        self._run.clear()
        clip = self.config.clip
        if abs(deviation) > clip:
            value = expected + (value - expected) * clip / abs(deviation)
        kind, floor = self.config.kind, self.config.kind.dispersion_floor
        limit = clip * clip * self._dispersion
        self._dispersion = max(
            floor,
            self._dispersion + self._beta * (min(residual * residual, limit) - self._dispersion),
        )
        if self._profile is None:
            self._level += self._alpha * (value - self._level)
            return
        level_now = self._profile.remove(value, at)
        self._level += self._alpha * (level_now - self._level)
        self._profile.learn(value, self._level, at, self._gamma)
        self._updates += 1
        if self._updates % len(self._profile.factors) == 0:
            self._level = self._profile.recentre(self._level)
        if kind.multiplicative:
            self._level = max(self._level, 0.0)

    def _hold(self, at: datetime, value: float) -> None:
        """An anomalous window teaches nothing, unless the anomaly has lasted so long that it is
        the new normal: then the level becomes the median of the run's recent windows."""
        self._run_length += 1
        self._run.append(self._profile.remove(value, at) if self._profile else value)
        if self._run_length >= self.config.relearn_after:
            self._level = statistics.median(self._run)
            self._run_length = 0
            self._run.clear()
            self._recent.clear()

    def _warm(self, warmup: _Warmup, at: datetime, value: float, items: float) -> None:
        if warmup.first is None:
            warmup.first = at
        warmup.points.append((at, value, items))
        if at - warmup.first + self.config.step < self.config.warmup:
            return
        buckets = self.config.season_buckets
        if buckets:
            probe = DailyProfile([0.0] * buckets, multiplicative=True)
            seen = {probe.bucket(when) for when, _, _ in warmup.points}
            if len(seen) < buckets:
                return  # a bucket never seen yet (a gap in the data): wait for it
        self._fit(warmup.points)
        self._warmup = None

    def _fit(self, points: list[tuple[datetime, float, float]]) -> None:
        """Level, profile and dispersion from the warm-up: per-bucket medians (pooled for rates,
        so few trials do not bias them) and the median squared residual."""
        kind, buckets = self.config.kind, self.config.season_buckets
        if buckets:
            probe = DailyProfile([0.0] * buckets, multiplicative=kind.multiplicative)
            groups: list[list[tuple[float, float]]] = [[] for _ in range(buckets)]
            for when, value, items in points:
                groups[probe.bucket(when)].append((value, items))
            means = [_typical(kind, group) for group in groups]
            self._level = statistics.fmean(means)
            self._profile = DailyProfile.fitted(
                means, self._level, multiplicative=kind.multiplicative
            )
        else:
            self._level = _typical(kind, [(value, items) for _, value, items in points])
        squares = [
            kind.residual(value, self.expected(when), items) ** 2 for when, value, items in points
        ]
        self._dispersion = max(kind.dispersion_floor, statistics.median(squares) / _CHI2_1_MEDIAN)


def _typical(kind: SeriesKind, group: list[tuple[float, float]]) -> float:
    if kind is SeriesKind.RATE:
        trials = sum(items for _, items in group)
        return sum(value * items for value, items in group) / trials if trials else 0.0
    return statistics.median(value for value, _ in group)
