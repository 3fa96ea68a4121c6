"""Match results remembered by the values of the fields the patterns read.

A set of patterns reads a few fields of an event (the dotted field names of their branches:
``source``, ``detail-type`` and ``detail.metadata.eventVersion`` for the lake's rules), and
which patterns match depends on nothing else. :class:`Projection` turns an event into those
fields' values, a key under which :class:`CachedRuleIndex` keeps what matched, so an event like
one seen before is not matched again.

A key is made only where the values alone decide the match, so the cache never changes a
result: along each field's path the event holds objects, and at its end a string, an integer, a
boolean, null or nothing. Where a path meets an array (event-ruler matches across its elements),
an object or a number with a fraction at its end, or a key with a dot that could name the field
(``{"detail.metadata": ...}``, which EventBridge reads as ``detail`` then ``metadata``), the
event has no key and is matched in full.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from .index import RuleIndex
from .matcher import EventPattern, compile_pattern

MAX_FIELDS: Final = 8  # patterns reading more fields than this are matched in full
MAX_KEYS: Final = 4096  # keys remembered; past this the cache starts afresh

_MISSING: Final = object()
_UNKEYED: Final = object()

Key = tuple[Any, ...]
_Path = tuple[tuple[str, tuple[str, ...]], ...]  # (segment, dotted keys from there) per depth


class Projection:
    """The values of the fields ``names`` (dotted, as patterns name them) of an event."""

    __slots__ = ("_getters",)

    def __init__(self, names: Iterable[str]) -> None:
        self._getters = tuple(_getter(_path(name)) for name in sorted(set(names)))

    def key(self, event: Mapping[str, Any]) -> Key | None:
        """The fields' values, or None if they alone may not decide."""
        if event.__class__ is not dict:
            return None
        key: list[Any] = []
        for get in self._getters:
            value = get(event)
            cls = value.__class__
            if cls is str or cls is int or value is None or value is _MISSING:
                key.append(value)  # none of them equals another (True == 1: booleans apart)
            elif cls is bool:
                key.append((bool, value))
            else:  # a number with a fraction, an object, an array, or _UNKEYED
                return None
        return tuple(key)


def field_names(pattern: EventPattern) -> frozenset[str]:
    """Every field the pattern reads, as dotted names (``detail.metadata.eventVersion``)."""
    return frozenset(test.name for tests in pattern._tests for test in tests)  # noqa: SLF001


def _path(name: str) -> _Path:
    """Each segment of a dotted name, with the dotted keys that could name the rest of it from
    there (``detail.metadata`` and ``detail.metadata.eventVersion`` at the top)."""
    segments = name.split(".")
    return tuple(
        (
            segments[start],
            tuple(".".join(segments[start:end]) for end in range(start + 2, len(segments) + 1)),
        )
        for start in range(len(segments))
    )


def _getter(path: _Path) -> Callable[[dict[str, Any]], Any]:
    """The value at ``path`` below an object: _MISSING, or _UNKEYED where the path meets a
    value that is not an object or a key with a dot that could name the rest of it."""
    (segment, dotted), rest = path[0], path[1:]
    inner = _getter(rest) if rest else None
    if inner is None and not dotted:
        return lambda value: value.get(segment, _MISSING)

    def get(value: dict[str, Any]) -> Any:
        for name in dotted:
            if name in value:
                return _UNKEYED
        found = value.get(segment, _MISSING)
        if inner is None or found is _MISSING:
            return found
        if found.__class__ is not dict:
            return _UNKEYED
        return inner(found)

    return get


class CachedRuleIndex(RuleIndex):
    """A :class:`RuleIndex` that remembers what matched by the values of the fields its
    patterns read (:class:`Projection`), when they read at most ``MAX_FIELDS`` fields."""

    def __init__(self) -> None:
        super().__init__()
        self._names: dict[str, frozenset[str]] = {}
        self._projection: Projection | None = None
        self._current = True
        self._cache: dict[Key, tuple[str, ...]] = {}

    def add(self, rule_id: str, pattern: EventPattern | str | Mapping[str, Any]) -> None:
        compiled = pattern if isinstance(pattern, EventPattern) else compile_pattern(pattern)
        super().add(rule_id, compiled)
        self._names[rule_id] = field_names(compiled)
        self._changed()

    def remove(self, rule_id: str) -> None:
        if rule_id not in self:
            return
        super().remove(rule_id)
        self._names.pop(rule_id, None)
        self._changed()

    def match(self, event: dict[str, Any]) -> list[str]:
        if not self._current:
            names = frozenset().union(*self._names.values())
            self._projection = Projection(names) if len(names) <= MAX_FIELDS else None
            self._current = True
        if self._projection is None:
            return super().match(event)
        key = self._projection.key(event)
        if key is None:
            return super().match(event)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= MAX_KEYS:
                self._cache.clear()
            found = self._cache[key] = tuple(super().match(event))
        return list(found)

    def _changed(self) -> None:
        self._current = False
        self._projection = None
        self._cache.clear()


__all__ = ["CachedRuleIndex", "Projection", "field_names"]
