"""The states and transitions of an aws/event-ruler byte machine, for ``_wildcard_machine``.

A state (``ByteState``) has transitions on particular bytes and transitions on every byte (the
loops of ``*``). A single transition is a state, a match (``ByteMatch``), or a composite (a match
that also leads to a state); a transition (``ByteTransition``) is a frozenset of single ones, as
event-ruler's compound transitions are sets. Where event-ruler iterates a hash set, ``ordered``
iterates in creation order.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable
from typing import Final

_BYTES: Final = 256
_serials = itertools.count()


class NameState:
    """Where a match leads: an opaque node of the rule's machine."""

    __slots__ = ()


class ByteState:
    """A state: transitions on every byte, and further ones on particular bytes."""

    __slots__ = ("_all", "_by_byte", "indeterminate", "serial")

    def __init__(self, *, indeterminate: bool = False) -> None:
        self._all: dict[Single, None] = {}
        self._by_byte: dict[int, dict[Single, None]] = {}
        self.indeterminate = indeterminate
        """More than one input reaches this state (a ``*`` precedes it): it is not re-used."""
        self.serial = next(_serials)

    def transition(self, byte: int) -> Transition:
        return frozenset(itertools.chain(self._all, self._by_byte.get(byte, ())))

    def transition_for_all_bytes(self) -> Transition:
        common = set(self._all)
        if len(self._by_byte) == _BYTES:
            common.update(frozenset.intersection(*map(frozenset, self._by_byte.values())))
        return frozenset(common)

    def byte_classes(self) -> set[int]:
        """The bytes with transitions of their own; every other byte has only the common ones."""
        return set(self._by_byte)

    def add(self, byte: int, single: Single) -> None:
        self._by_byte.setdefault(byte, {})[single] = None

    def add_for_all_bytes(self, single: Single) -> None:
        self._all[single] = None

    def remove(self, byte: int, single: Single) -> None:
        """Remove a transition on one byte (the ones on every byte are loops, never removed)."""
        self._by_byte.get(byte, {}).pop(single, None)


class Match:
    """A match of ``pattern`` leading to ``name_state``; equal matches are one (``ByteMatch``)."""

    __slots__ = ("name_state", "pattern", "serial")

    def __init__(self, pattern: Hashable, name_state: NameState) -> None:
        self.pattern = pattern
        self.name_state = name_state
        self.serial = next(_serials)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Match)
            and other.pattern == self.pattern
            and other.name_state is self.name_state
        )

    def __hash__(self) -> int:
        return hash((self.pattern, id(self.name_state)))


class Composite:
    """A match that also leads to a state (``CompositeByteTransition``)."""

    __slots__ = ("match", "next_state", "serial")

    def __init__(self, next_state: ByteState, match: Match) -> None:
        self.next_state = next_state
        self.match = match
        self.serial = next(_serials)


Single = ByteState | Match | Composite
Transition = frozenset[Single]


def next_state(single: Single) -> ByteState | None:
    if isinstance(single, ByteState):
        return single
    return single.next_state if isinstance(single, Composite) else None


def own_match(single: Single) -> Match | None:
    if isinstance(single, Match):
        return single
    return single.match if isinstance(single, Composite) else None


def ordered(transition: Iterable[Single]) -> list[Single]:
    return sorted(transition, key=lambda single: single.serial)


def matches(transition: Transition) -> set[Match]:
    return {match for single in transition if (match := own_match(single)) is not None}


def transition_next_state(transition: Transition) -> ByteState | None:
    """The state a transition leads to, a re-usable (determinate) one first
    (``getNextByteState``)."""
    states = [state for single in ordered(transition) if (state := next_state(single))]
    for state in states:
        if not state.indeterminate:
            return state
    return states[0] if states else None


def is_empty(transition: Transition) -> bool:
    return not matches(transition) and transition_next_state(transition) is None


def transitions(states: Iterable[ByteState]) -> set[Transition]:
    """The distinct transitions out of a set of states taken together, one per class of bytes
    (``getTransitions``)."""
    states = list(states)
    classes = set().union(*(state.byte_classes() for state in states))
    found = {frozenset().union(*(state.transition(byte) for state in states)) for byte in classes}
    if len(classes) < _BYTES:
        found.add(frozenset().union(*(state.transition_for_all_bytes() for state in states)))
    found.discard(frozenset())
    return found
