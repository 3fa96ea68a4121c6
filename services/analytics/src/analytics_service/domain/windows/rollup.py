"""Effects to the counters to add per window, every granularity: what a store applies."""

from __future__ import annotations

from collections.abc import Iterable

from .aggregator import Effect
from .counters import Counters, add
from .window import WindowKey


def rolled_up(effects: Iterable[Effect]) -> dict[WindowKey, Counters]:
    """The counters ``effects`` add to each window: each minute's and its rollups'."""
    minutes: dict[WindowKey, Counters] = {}
    for effect in effects:
        for minute, counts in effect.counts:
            if counts:
                add(minutes.setdefault(minute, {}), counts)
    windows: dict[WindowKey, Counters] = {}
    for minute, added in minutes.items():
        for window in minute.rollups():
            add(windows.setdefault(window, {}), added.items())
    return windows
