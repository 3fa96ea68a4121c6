"""The anomaly model on synthetic series: no verdict while warming up, no alarm on low volume,
a daily shape and slow drift followed without alarms, a step found within the scan, an
incident not learned into the baseline, a lasting shift relearned."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from analytics_service.domain.anomaly import AnomalyModel, ModelConfig, SeriesKind, Status, Verdict
from analytics_service.scenarios.generate import daily_shape
from analytics_service.scenarios.sampling import binomial, poisson

START = datetime(2026, 11, 2, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
DAY = 1440


def _times(days: float) -> Iterator[tuple[int, datetime]]:
    for index in range(int(days * DAY)):
        yield index, START + MINUTE * index


def _orders(
    days: float, peak: float = 300.0, factor: Callable[[int], float] = lambda _: 1.0, seed: int = 1
) -> Iterator[tuple[datetime, float]]:
    """Orders per minute with a daily shape (15% of the peak at night), Poisson noise and a
    4% jitter; ``factor(index)`` multiplies the intensity (a step, a drift)."""
    rng = random.Random(seed)
    for index, at in _times(days):
        mean = peak * daily_shape(index % DAY, 0.15) * factor(index)
        yield at, float(poisson(rng, mean * math.exp(rng.gauss(0, 0.04))))


def _feed(model: AnomalyModel, series: Iterator[tuple[datetime, float]]) -> list[Verdict]:
    return [model.observe(at, value) for at, value in series]


def _anomalies(verdicts: list[Verdict]) -> list[int]:
    return [index for index, verdict in enumerate(verdicts) if verdict.anomalous]


def _mean_ratio(verdicts: list[Verdict]) -> float:
    """The mean of observed over expected."""
    ratios = [v.observed / v.expected for v in verdicts if v.expected]
    return sum(ratios) / len(ratios)


def test_the_first_day_is_warm_up_with_no_verdict_even_for_a_wild_value() -> None:
    model = AnomalyModel(ModelConfig(kind=SeriesKind.COUNT))
    wild = 600  # ten hours in: a spike twenty times the usual traffic
    verdicts = _feed(
        model, ((at, v * 20 if i == wild else v) for i, (at, v) in enumerate(_orders(2)))
    )
    assert {v.status for v in verdicts[:DAY]} == {Status.WARMING_UP}
    assert all(v.expected is None and v.score is None for v in verdicts[:DAY])
    assert {v.status for v in verdicts[DAY:]} == {Status.NORMAL}
    assert not model.warming_up


def test_a_rate_with_few_trials_never_alarms_however_far_it_jumps() -> None:
    """A decline rate of 4% with 400 payments a minute by day and 12 at night: at night one
    decline more is 8 points of rate, and no alarm; below ``min_weight`` trials no verdict."""
    rng = random.Random(7)
    model = AnomalyModel(ModelConfig(kind=SeriesKind.RATE))
    verdicts = []
    for index, at in _times(4):
        trials = 400 if 8 * 60 <= index % DAY < 22 * 60 else 12
        trials = 3 if index % DAY < 30 else trials  # the half hour after midnight: 3 payments
        declined = binomial(rng, trials, 0.04)
        verdicts.append(model.observe(at, declined / trials, trials))
    night = [v for v in verdicts[DAY:] if v.status is not Status.TOO_FEW and v.observed > 0.16]
    assert len(night) > 50  # 2 or more declines of 12: 17% and more, against 4% expected
    assert _anomalies(verdicts) == []
    too_few = [v for v in verdicts[DAY:] if v.status is Status.TOO_FEW]
    assert len(too_few) == 3 * 30
    assert all(v.expected is not None and v.deviation is None for v in too_few)


def test_a_rate_needs_the_count_behind_it() -> None:
    with pytest.raises(ValueError, match="weight"):
        AnomalyModel(ModelConfig(kind=SeriesKind.RATE)).observe(START, 0.04)


def test_the_daily_shape_is_learned_and_a_step_within_it_is_found_at_once() -> None:
    """Three days of a seven-fold daily swing give no alarm; on the fourth day, at 19:00 while
    traffic climbs to its peak, orders fall to 60% for an hour: found in its first window."""
    step = 3 * DAY + 19 * 60

    def factor(index: int) -> float:
        return 0.6 if step <= index < step + 60 else 1.0

    verdicts = _feed(AnomalyModel(ModelConfig(kind=SeriesKind.COUNT)), _orders(4, factor=factor))
    assert _anomalies(verdicts)[0] == step
    assert [i for i in _anomalies(verdicts) if not step <= i < step + 60] == []
    assert verdicts[step].deviation is not None
    assert verdicts[step].deviation < -5


def test_a_slow_drift_is_followed_without_alarms() -> None:
    """Traffic grows by half over four days (a growing business): no alarm, and the model's
    expectation keeps up with it."""
    model = AnomalyModel(ModelConfig(kind=SeriesKind.COUNT))
    verdicts = _feed(model, _orders(5, factor=lambda index: 1.0 + 0.5 * index / (4 * DAY)))
    assert _anomalies(verdicts) == []
    assert 0.97 < _mean_ratio(verdicts[-4 * 60 : -2 * 60]) < 1.03  # 20:00 to 22:00, last day


def test_an_incident_is_not_learned_into_the_baseline() -> None:
    """Orders fall to half for two hours: every window of the incident stays anomalous (the
    baseline does not learn it), and after it (and the scan's two windows of memory) the model
    expects what it expected before."""
    start, end = 2 * DAY + 14 * 60, 2 * DAY + 16 * 60

    def factor(index: int) -> float:
        return 0.5 if start <= index < end else 1.0

    model = AnomalyModel(ModelConfig(kind=SeriesKind.COUNT))
    verdicts = _feed(model, _orders(3, factor=factor))
    alarms = _anomalies(verdicts)
    assert alarms[: end - start] == list(range(start, end))
    assert [i for i in alarms if not start <= i < end + 2] == []
    assert 0.97 < _mean_ratio(verdicts[end + 2 : end + 62]) < 1.03


def test_a_shift_that_lasts_becomes_the_new_level() -> None:
    """A lasting doubling alarms for ``relearn_after`` windows, then is taken as normal."""
    start = DAY + 10 * 60
    model = AnomalyModel(ModelConfig(kind=SeriesKind.COUNT, relearn_after=120))
    verdicts = _feed(model, _orders(2, factor=lambda index: 2.0 if index >= start else 1.0))
    assert _anomalies(verdicts) == list(range(start, start + 120))


def test_a_shift_too_small_for_one_window_is_found_over_the_next_two() -> None:
    """A gauge with unit noise shifts by 4.2 (3.9 of the spread the model learns): one window's
    z-score reaches the threshold of 5 only now and then, the scan over the last two or three
    windows finds every shift within two windows of its start."""
    rng = random.Random(3)
    shifts = [DAY + 600 * k for k in range(1, 9)]  # eight shifts of 20 minutes, 10 hours apart

    def value(index: int) -> float:
        shifted = any(s <= index < s + 20 for s in shifts)
        return 100.0 + rng.gauss(0, 1) + (4.2 if shifted else 0.0)

    model = AnomalyModel(ModelConfig(kind=SeriesKind.GAUGE, season_buckets=0))
    verdicts = _feed(model, ((at, value(i)) for i, at in _times(5)))
    alarms = set(_anomalies(verdicts))
    delays = [min(d for d in range(20) if s + d in alarms) for s in shifts]
    assert max(delays) <= 2
    assert sorted(delays) == [0, 0, 1, 1, 1, 2, 2, 2]


def _warm_orders_model() -> AnomalyModel:
    """A count model after two days of a flat 300 orders a minute."""
    model = AnomalyModel(ModelConfig(kind=SeriesKind.COUNT, season_buckets=0))
    rng = random.Random(11)
    for _, at in _times(2):
        model.observe(at, float(poisson(rng, 300)))
    return model


def test_a_look_at_an_open_window_compares_a_count_with_the_part_gone_and_learns_nothing() -> None:
    model = _warm_orders_model()
    state, at = model.state(), START + 2 * DAY * MINUTE
    # A third of a normal minute gone: about 100 orders, normal, reported as a minute's worth
    third = model.peek(at, 103.0, elapsed=1 / 3)
    assert third.status is Status.NORMAL
    assert third.observed == pytest.approx(309.0)
    assert third.expected == pytest.approx(300.0, rel=0.03)
    # The same 103 orders as a whole window is a collapse of traffic
    assert model.observe(at, 103.0).anomalous
    assert model.peek(at, 103.0).deviation is not None
    # A look taught the model nothing: observing after looks is observing without them
    fresh = _warm_orders_model()
    for elapsed in (0.2, 0.5, 0.9):
        fresh.peek(at, 300.0 * elapsed, elapsed=elapsed)
    assert fresh.state() == state


def test_a_look_alarms_only_on_overwhelming_evidence() -> None:
    """Half a minute gone: 195 orders against 150 expected is a z-score near 3.5, 240 near 6.4
    (anomalous for a whole window's threshold of 5, not for a look's 12.5), 360 near 13."""
    model = _warm_orders_model()
    at = START + 2 * DAY * MINUTE
    verdicts = {n: model.peek(at, n, elapsed=0.5) for n in (195.0, 240.0, 360.0)}
    scores = {n: v.score for n, v in verdicts.items()}
    assert all(s is not None for s in scores.values())
    assert [v.status for v in verdicts.values()] == [
        Status.NORMAL,
        Status.NORMAL,
        Status.ANOMALOUS,
    ], scores
    assert 5.0 <= (scores[240.0] or 0.0) < 12.5


def test_a_look_at_a_rate_needs_its_trials_and_the_part_gone() -> None:
    model = AnomalyModel(ModelConfig(kind=SeriesKind.RATE))
    with pytest.raises(ValueError, match="weight"):
        model.peek(START, 0.5)
    with pytest.raises(ValueError, match="elapsed"):
        model.peek(START, 0.5, 20, elapsed=0.0)
    assert model.peek(START, 1.0, 20, elapsed=0.5).status is Status.WARMING_UP


def test_a_look_never_finds_a_fall_in_a_count_before_its_window_ends() -> None:
    """Half a minute gone with 10 orders of the 150 expected: as far below as a look could see,
    and not anomalous (the window may have started unobserved); as a whole window it is."""
    model = _warm_orders_model()
    at = START + 2 * DAY * MINUTE
    look = model.peek(at, 10.0, elapsed=0.5)
    assert look.deviation is not None
    assert look.deviation < -12.5
    assert look.status is Status.NORMAL
    assert model.observe(at, 10.0).anomalous
