"""``RuleIndex``: route an event to the rules whose patterns match it.

Rules are bucketed by the exact values their patterns require of top-level fields (``source``
and ``detail-type`` first, then any other top-level field with an exact-string value list). A
branch of a pattern is filed under every combination of its required values for the chosen
fields (at most two fields, and few enough combinations); an event then looks up the
combinations it carries, so routing touches only the rules that can match plus a fallback
bucket of rules with no such field. Every candidate is still matched in full before it is
returned, so the index only ever saves work, never changes a result.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from .matcher import EventPattern, compile_pattern, exact_fields

_PREFERRED: Final = ("source", "detail-type")
_MAX_FIELDS: Final = 2
_MAX_COMBINATIONS: Final = 64

Signature = tuple[str, ...]
Combination = tuple[str, ...]


@dataclass(slots=True)
class _Rule:
    rule_id: str
    pattern: EventPattern
    position: int
    keys: list[tuple[Signature, Combination]]


class RuleIndex:
    """A set of rules (id -> event pattern) that finds the rules matching an event.

    ``match`` returns the ids in the order the rules were first added; replacing a rule (adding
    an id again) keeps its place.
    """

    def __init__(self) -> None:
        self._rules: dict[str, _Rule] = {}
        self._by_position: dict[int, _Rule] = {}
        self._positions = itertools.count()
        self._buckets: dict[Signature, dict[Combination, set[int]]] = {}
        self._fallback: set[int] = set()

    def add(self, rule_id: str, pattern: EventPattern | str | Mapping[str, Any]) -> None:
        """Add a rule, or replace the rule with that id; raises InvalidEventPatternError."""
        compiled = pattern if isinstance(pattern, EventPattern) else compile_pattern(pattern)
        previous = self._rules.get(rule_id)
        if previous is not None:
            self._unfile(previous)
            position = previous.position
        else:
            position = next(self._positions)
        rule = _Rule(rule_id, compiled, position, _keys(compiled))
        self._rules[rule_id] = rule
        self._by_position[position] = rule
        self._file(rule)

    def remove(self, rule_id: str) -> None:
        """Remove a rule; removing an id that is not there does nothing."""
        rule = self._rules.pop(rule_id, None)
        if rule is not None:
            self._unfile(rule)
            del self._by_position[rule.position]

    def match(self, event: dict[str, Any]) -> list[str]:
        """The ids of the rules whose patterns match the event, in insertion order."""
        candidates = set(self._fallback)
        for signature, bucket in self._buckets.items():
            for combination in _combinations(event, signature):
                found = bucket.get(combination)
                if found:
                    candidates |= found
        rules = self._by_position
        matched = []
        for position in sorted(candidates):
            rule = rules[position]
            if rule.pattern.matches(event):
                matched.append(rule.rule_id)
        return matched

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[str]:
        return (rule.rule_id for rule in sorted(self._rules.values(), key=_position))

    def _file(self, rule: _Rule) -> None:
        if not rule.keys:
            self._fallback.add(rule.position)
            return
        for signature, combination in rule.keys:
            bucket = self._buckets.setdefault(signature, {})
            bucket.setdefault(combination, set()).add(rule.position)

    def _unfile(self, rule: _Rule) -> None:
        if not rule.keys:
            self._fallback.discard(rule.position)
            return
        for signature, combination in rule.keys:
            bucket = self._buckets[signature]
            positions = bucket[combination]
            positions.discard(rule.position)
            if not positions:
                del bucket[combination]
                if not bucket:
                    del self._buckets[signature]


def _position(rule: _Rule) -> int:
    return rule.position


def _keys(pattern: EventPattern) -> list[tuple[Signature, Combination]]:
    """Where to file a pattern: (fields, values) per branch, or [] for the fallback bucket."""
    keys: set[tuple[Signature, Combination]] = set()
    for fields in exact_fields(pattern):
        chosen = _choose(fields)
        if not chosen:
            return []
        signature = tuple(sorted(chosen))
        value_sets = [sorted(fields[name]) for name in signature]
        keys.update((signature, combination) for combination in itertools.product(*value_sets))
    return sorted(keys)


def _choose(fields: dict[str, frozenset[str]]) -> list[str]:
    ranked = sorted(
        fields,
        key=lambda name: (
            _PREFERRED.index(name) if name in _PREFERRED else len(_PREFERRED),
            len(fields[name]),
            name,
        ),
    )
    chosen = ranked[:_MAX_FIELDS]
    while len(chosen) > 1 and _count(fields, chosen) > _MAX_COMBINATIONS:
        chosen.pop()
    return chosen


def _count(fields: dict[str, frozenset[str]], chosen: list[str]) -> int:
    total = 1
    for name in chosen:
        total *= len(fields[name])
    return total


def _values(event: Mapping[str, Any], name: str) -> list[str]:
    value = event.get(name)
    if value.__class__ is str:
        return [value]
    if value.__class__ is list:
        return list(_strings(value))
    return []


def _strings(values: list[Any]) -> Iterator[str]:
    for value in values:
        if value.__class__ is str:
            yield value
        elif value.__class__ is list:
            yield from _strings(value)


def _combinations(event: Mapping[str, Any], signature: Signature) -> Iterator[Combination]:
    if len(signature) == 1:
        return ((value,) for value in _values(event, signature[0]))
    return itertools.product(*(_values(event, name) for name in signature))
