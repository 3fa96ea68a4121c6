"""A cap on the distinct values of each dimension in one window.

Dimension values come from event data (a decline code, a cancel reason, a warehouse, a
currency, an event type), so a producer's bug or a hostile one could add a counter per event
to a window for ever. Each window keeps at most ``limit`` values of a dimension under their own
names (``DEFAULT_MAX_VALUES``); the others are added to ``OTHER``
(``payments_declined|code=__other__``), so totals stay exact, and each event whose value went
there adds one to ``values_overflowed|dimension=payments_declined.code``.

The decision depends on what the window already holds, which only grows: a value it holds
keeps counting under its own name; a new one takes a free place, in the order of the events
that bring it (so a batch decides alike whether a store writes it at once, as SQLite does, or
in chunks, as DynamoDB does); without a free place, it goes to ``OTHER``. Which values keep
their own names when more come than there are places depends on the order events arrive in;
totals do not. A value longer than ``MAX_VALUE_BYTES`` or holding a separator of counter
names always goes there. A store reads what a window holds (``Holding``) in the write that
adds the counters, or makes its write conditional on it (DynamoDB), and decides by ``capped``.
The sketch's buckets (bounded by ``sketch.MAX_BUCKETS``) and the overflow counters (one per
dimension) are not capped.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from . import counters as c
from .aggregator import Effect
from .counters import Counters
from .rollup import rolled_up
from .window import WindowKey

OTHER = "__other__"
DEFAULT_MAX_VALUES = 100
MAX_VALUE_BYTES = 64  # UTF-8; the contracts' longest dimension value (a warehouse) is 64
_SEPARATORS = frozenset("|;=")
UNCAPPED = frozenset({c.SAGA_DURATION, c.VALUES_OVERFLOWED})


class Holding(Protocol):
    """What a store's windows hold, as the cap asks it."""

    def present(self, window: WindowKey, counters: Collection[str]) -> Collection[str]:
        """Which of ``counters`` the window has."""

    def held(self, window: WindowKey, dimension: str) -> int:
        """How many values of ``dimension`` the window has under their own names (``OTHER``
        not included); asked only when a value of it is not present."""


@dataclass
class Capped:
    """What one write adds to a window: its counters, values beyond the cap under ``OTHER``;
    and, for each dimension that gained values, how many it holds after the write."""

    counters: Counters = field(default_factory=dict)
    admitted: dict[str, int] = field(default_factory=dict)


def dimension_of(counter: str) -> tuple[str, str] | None:
    """``("payments_declined.code", value)`` for a counter the cap applies to, else None."""
    metric, _, rest = counter.partition("|")
    if not rest or metric in UNCAPPED:
        return None
    key, _, value = rest.partition("=")
    return f"{metric}.{key}", value


def prefix(dimension: str) -> str:
    """The counters of ``dimension`` start with it: ``payments_declined|code=``."""
    metric, _, key = dimension.partition(".")
    return f"{metric}|{key}="


def admissible(value: str) -> bool:
    return (
        value != OTHER
        and len(value.encode()) <= MAX_VALUE_BYTES
        and not _SEPARATORS.intersection(value)
    )


def capped(effects: Sequence[Effect], holding: Holding, limit: int) -> dict[WindowKey, Capped]:
    """What ``effects`` add to each window (every granularity), capped by ``limit`` values per
    dimension against what ``holding`` holds."""
    return {
        window: _cap(window, added, holding, limit, effects)
        for window, added in rolled_up(effects).items()
    }


def _cap(
    window: WindowKey, added: Counters, holding: Holding, limit: int, effects: Sequence[Effect]
) -> Capped:
    out = Capped()
    by_dimension: dict[str, dict[str, str]] = {}
    for name, value in added.items():
        found = dimension_of(name)
        if found is None:
            out.counters[name] = value
        else:
            by_dimension.setdefault(found[0], {})[found[1]] = name
    if not by_dimension:
        return out
    names = [name for values in by_dimension.values() for name in values.values()]
    present = set(holding.present(window, names))
    for dimension, values in sorted(by_dimension.items()):
        new = sorted(v for v, name in values.items() if v == OTHER or name not in present)
        folded: set[str] = set()
        if new:
            held = holding.held(window, dimension)
            room = max(limit - held, 0)
            admitted = [v for v in new if admissible(v)]
            if len(admitted) > room:
                admitted = _first_seen(effects, window, {values[v]: v for v in admitted})[:room]
            folded = {values[v] for v in new} - {values[v] for v in admitted}
            if admitted:
                out.admitted[dimension] = held + len(admitted)
        for name in values.values():
            target = prefix(dimension) + OTHER if name in folded else name
            c.add(out.counters, ((target, added[name]),))
        if folded:
            overflowed = c.name(c.VALUES_OVERFLOWED, dimension=dimension)
            c.add(out.counters, ((overflowed, _additions(effects, window, folded)),))
    return out


def _first_seen(
    effects: Iterable[Effect], window: WindowKey, values: Mapping[str, str]
) -> list[str]:
    """The values of ``values`` (by counter) in the order ``effects`` first add to their
    counters in ``window``."""
    found: dict[str, None] = {}
    for effect in effects:
        for minute, counts in effect.counts:
            if window in minute.rollups():
                found.update((values[name], None) for name, _ in counts if name in values)
    return list(found)


def _additions(effects: Iterable[Effect], window: WindowKey, counters: Collection[str]) -> int:
    """How many of ``effects`` add to one of ``counters`` in ``window``."""
    return sum(
        1
        for effect in effects
        if any(
            window in minute.rollups() and any(name in counters for name, _ in counts)
            for minute, counts in effect.counts
        )
    )
