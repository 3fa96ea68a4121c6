"""Use cases of the analytics API: a KPI as a time series, the current (provisional) windows and
the anomalies detected, as plain JSON values.

A window is final once the final watermark has passed its end; until then its values may still
change (``final: false``). Windows without counters are answered as windows of zeros, so a
series has one point per window of the range. Decimal amounts are decimal text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from analytics_service.adapters.ports import KpiStore
from analytics_service.domain.anomaly import Anomaly
from analytics_service.domain.windows import Granularity, WindowKey, WindowKpis
from analytics_service.domain.windows.series import SERIES, SeriesMetric, Value
from analytics_service.domain.windows.window import floor

MAX_POINTS = 1440  # a day of minutes, two months of hours
DEFAULT_POINTS = 60
DEFAULT_ANOMALY_LOOKBACK = timedelta(days=1)
# No window starts before events had epoch timestamps: the earliest time a lookup needs.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class InvalidQueryError(ValueError):
    """A query the API refuses: ``parameter`` names the query parameter at fault."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class SeriesQuery:
    metric: SeriesMetric
    granularity: Granularity = Granularity.MINUTE
    start: datetime | None = None  # default: DEFAULT_POINTS windows before ``end``
    end: datetime | None = None  # default: now
    dimension: str | None = None


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def plain(value: Any) -> Any:
    """``value`` as JSON: decimals as decimal text, mappings and sequences within."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _range(query: SeriesQuery, now: datetime) -> tuple[datetime, datetime]:
    step = query.granularity.length
    end = query.end if query.end is not None else floor(now, query.granularity) + step
    start = query.start if query.start is not None else end - DEFAULT_POINTS * step
    if start >= end:
        raise InvalidQueryError("from", f"from ({iso(start)}) must be before to ({iso(end)})")
    start = floor(start, query.granularity)
    points = -(-(end - start) // step)
    if points > MAX_POINTS:
        raise InvalidQueryError(
            "to",
            f"from..to spans {points} windows of {query.granularity.value}; at most "
            f"{MAX_POINTS} are answered (choose a coarser granularity or a shorter range)",
        )
    return start, end


def _value_of(query: SeriesQuery) -> Any:
    spec = SERIES[query.metric]
    if query.dimension is None:
        if spec.whole is None:
            raise InvalidQueryError(
                "dimension",
                f"{query.metric.value} exists per {spec.dimension} only: "
                f"add dimension={spec.dimension}",
            )
        return spec.whole
    if query.dimension != spec.dimension or spec.split is None:
        allowed = f"the only one is {spec.dimension}" if spec.dimension else "it has none"
        raise InvalidQueryError(
            "dimension", f"{query.metric.value} cannot be split by {query.dimension!r}: {allowed}"
        )
    return spec.split


def series(query: SeriesQuery, store: KpiStore, now: datetime) -> dict[str, Any]:
    """``GET /analytics/kpis``: one point per window of the range, oldest first."""
    read = _value_of(query)
    start, end = _range(query, now)
    stored = {w.window.start: w for w in store.windows(query.granularity, start, end)}
    final = store.final_watermark()
    points = []
    at = start
    while at < end:
        window = stored.get(at) or WindowKpis(WindowKey(query.granularity, at), {})
        value: Value | Mapping[str, Value] = read(window)
        points.append(
            {
                "start": iso(at),
                "end": iso(window.window.end),
                "final": final is not None and window.window.end <= final,
                ("value" if query.dimension is None else "values"): plain(value),
            }
        )
        at = window.window.end
    answer: dict[str, Any] = {
        "metric": query.metric.value,
        "description": SERIES[query.metric].description,
        "granularity": query.granularity.value,
        "from": iso(start),
        "to": iso(end),
        "finalWatermark": None if final is None else iso(final),
        "points": points,
    }
    if query.dimension is not None:
        answer["dimension"] = query.dimension
    return answer


def current(store: KpiStore, now: datetime) -> dict[str, Any]:
    """``GET /analytics/now``: the window of each granularity that holds ``now`` (event time),
    provisional until the final watermark passes its end."""
    final = store.final_watermark()
    windows = {}
    for granularity in Granularity:
        key = WindowKey.containing(granularity, now)
        found = store.windows(granularity, key.start, key.end)
        window = found[0] if found else WindowKpis(key, {})
        windows[granularity.value] = {
            "start": iso(key.start),
            "end": iso(key.end),
            "final": final is not None and key.end <= final,
            "kpis": plain(window.kpis()),
        }
    return {
        "at": iso(now),
        "finalWatermark": None if final is None else iso(final),
        "windows": windows,
    }


def anomaly_view(anomaly: Anomaly) -> dict[str, Any]:
    """An anomaly as the AnomalyDetected contract spells its data."""
    return {
        "anomalyId": anomaly.anomaly_id,
        "metric": anomaly.metric.value,
        "window": {"start": iso(anomaly.start), "end": iso(anomaly.end)},
        "observed": anomaly.observed,
        "expected": anomaly.expected,
        "deviation": anomaly.deviation,
        "severity": anomaly.severity.value,
        "dimensions": dict(anomaly.dimensions),
    }


def anomalies(store: KpiStore, since: datetime | None, now: datetime) -> dict[str, Any]:
    """``GET /analytics/anomalies``: those of windows ending after ``since`` (default: a day
    ago), oldest first."""
    start = since if since is not None else now - DEFAULT_ANOMALY_LOOKBACK
    if start > now:
        raise InvalidQueryError("since", f"since ({iso(start)}) is in the future")
    # windows ending after ``start``: a window is at most a day long, and none starts after now
    # (from the epoch at the earliest: a day before since may be before the calendar's start)
    earliest = max(start, EPOCH + timedelta(days=1)) - timedelta(days=1)
    recorded = store.anomalies(earliest, now + timedelta(seconds=1))
    found = sorted(
        (r.anomaly for r in recorded if r.anomaly.end > start),
        key=lambda a: (a.start, a.metric.value),
    )
    return {"since": iso(start), "items": [anomaly_view(a) for a in found]}
