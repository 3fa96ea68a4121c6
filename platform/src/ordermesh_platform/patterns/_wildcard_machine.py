"""The byte machine aws/event-ruler builds for one field's wildcard patterns.

A port of the parts of event-ruler's ``ByteMachine`` that wildcard patterns use: ``addMatchValue``
and what it calls (which states are re-used, the ``*`` states that loop on every byte, the
composite states a trailing ``*`` needs). ``complexity`` scores the result. Names follow
event-ruler's so the two can be read side by side; the states are ``_byte_states``'.

Only wildcard patterns are built. The other kinds of pattern share a field's machine only along
prefixes that no ``*`` precedes and end in matches the score does not count, so leaving them out
changes no score; event-ruler's own tests give the same numbers with and without them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Final

from ._byte_states import (
    ByteState,
    Composite,
    Match,
    NameState,
    Single,
    Transition,
    is_empty,
    matches,
    next_state,
    ordered,
    transition_next_state,
)
from ._values import case_forms, parse_wildcard

WILDCARD: Final = -1
"""The character ``*`` stands for in a parsed value; other characters are UTF-8 byte values."""

_MAX_ONE_BYTE: Final = 0x7F
_MAX_CONTINUATION: Final = 0xBF
_MAX_TWO_BYTE_LEAD: Final = 0xDF


def parse(value: str) -> list[int]:
    """A wildcard value as event-ruler's ``WildcardParser`` reads it (already validated)."""
    characters: list[int] = []
    for part in parse_wildcard(value):
        if part is None:
            characters.append(WILDCARD)
        else:
            characters.extend(part.encode("utf-8", "surrogatepass"))
    return characters


class ByteMachine:
    """One field's wildcard patterns, built as event-ruler's ``ByteMachine`` builds them."""

    def __init__(self) -> None:
        self.start = ByteState()
        self.start_match: Match | None = None
        """The match of ``*`` alone, which the start state itself is."""

    def add(
        self, values: Iterable[str], pattern: Hashable, name_state: NameState | None = None
    ) -> NameState:
        """Add a pattern (its values, as event-ruler stores them) and return where it leads."""
        for value in values:
            name_state = self._add_match_value(pattern, parse(value), name_state)
        if name_state is None:
            raise ValueError("a pattern has at least one value")
        return name_state

    def _add_match_value(
        self, pattern: Hashable, characters: list[int], name_state: NameState | None
    ) -> NameState:
        state, previous, index = self.start, None, 0
        while index < len(characters) - 1:
            transition = _get(state, characters[index])
            if is_empty(transition):
                break
            reuse = next(
                (
                    candidate
                    for single in ordered(transition)
                    if _can_reuse(state, candidate := next_state(single), characters, index)
                ),
                None,
            )
            if reuse is None:
                break
            previous, state, index = state, reuse, index + 1
        return self._add_end_of_match(state, previous, characters, index, pattern, name_state)

    def _add_end_of_match(
        self,
        state: ByteState,
        previous: ByteState | None,
        characters: list[int],
        index: int,
        pattern: Hashable,
        name_state: NameState | None,
    ) -> NameState:
        last = len(characters) - 1
        name_state = name_state or NameState()
        if last == 0 and characters[0] == WILDCARD:
            self.start_match = Match(pattern, name_state)
            return name_state
        while index < last and not (index == last - 1 and characters[last] == WILDCARD):
            transition = _get(state, characters[index])
            if is_empty(transition):
                break
            following = transition_next_state(transition)
            if following is None:
                following = ByteState(indeterminate=state.indeterminate)
                _put_next_state(state, characters[index], ordered(transition)[0], following)
            elif following.indeterminate:
                break
            previous, state, index = state, following, index + 1
        for position in range(index, last):
            following = _find_or_make_next_state(state, previous, characters, position, pattern)
            previous, state = state, following
        return _insert_match(characters, state, name_state, pattern, previous)


def _get(state: ByteState, character: int) -> Transition:
    if character == WILDCARD:
        return state.transition_for_all_bytes()
    return state.transition(character)


def _add(state: ByteState, character: int, single: Single) -> None:
    if character == WILDCARD:
        state.add_for_all_bytes(single)
    else:
        state.add(character, single)


def _can_reuse(
    state: ByteState, following: ByteState | None, characters: list[int], index: int
) -> bool:
    if following is None or following is state:
        return False
    if not following.indeterminate:
        return not (index == len(characters) - 2 and characters[index + 1] == WILDCARD)
    return not _paths_converge(state, characters, index)


def _paths_converge(state: ByteState, characters: list[int], index: int) -> bool:
    """Whether two transitions from ``state``, one on this character, lead to a common state:
    a ``*`` the character may skip, or (as event-ruler tests it) a character with two cases."""
    lead = characters[index]
    if lead == WILDCARD or _MAX_ONE_BYTE < lead <= _MAX_CONTINUATION:
        return False
    for_all = state.transition_for_all_bytes()
    if for_all and for_all != frozenset((state,)):
        return True
    width = 1 if lead <= _MAX_ONE_BYTE else 2 if lead <= _MAX_TWO_BYTE_LEAD else 3
    text = bytes(characters[index : index + width]).decode("utf-8", "replace")
    return any(len(case_forms(char)) > 1 for char in text[:1])


def _put_next_state(state: ByteState, character: int, single: Single, following: ByteState) -> None:
    """A transition on which a pattern only ended now also leads on (``putTransitionNextState``):
    its match becomes a composite. (On ``*`` every transition leads to a state.)"""
    if not isinstance(single, Match) or character == WILDCARD:
        raise AssertionError("only a match on a byte has no next state")
    state.add(character, Composite(following, single))
    state.remove(character, single)


def _find_or_make_next_state(
    state: ByteState,
    previous: ByteState | None,
    characters: list[int],
    index: int,
    pattern: Hashable,
) -> ByteState:
    character, last = characters[index], len(characters) - 1
    following = transition_next_state(_get(state, character))
    if (
        following is not None
        and not following.indeterminate
        and not (index == last - 1 and characters[last] == WILDCARD)
    ):
        return following
    following = ByteState(indeterminate=state.indeterminate)
    if character == WILDCARD:
        following.add_for_all_bytes(following)
        following.indeterminate = True
        state.add_for_all_bytes(following)
        return following
    single: Single = following
    if characters[last] == WILDCARD and index == last - 1:
        single = Composite(following, Match(pattern, NameState()))
        following.indeterminate = True
    _add(state, character, single)
    if previous is not None and characters[index - 1] == WILDCARD:
        _add(previous, character, single)
    return following


def _insert_match(
    characters: list[int],
    state: ByteState,
    name_state: NameState,
    pattern: Hashable,
    previous: ByteState | None,
) -> NameState:
    character, last = characters[-1], len(characters) - 1
    for match in matches(_get(state, character)):
        if match.pattern == pattern:
            return match.name_state
    match = Match(pattern, name_state)
    if character == WILDCARD:
        # The state before the trailing * was entered through a composite that already matches
        # (an empty run for the *); the state now loops to a copy of it on every byte.
        composite = (
            Composite(ByteState(), match)
            if previous is None
            else _transition_into(previous, characters[last - 1], state)
        )
        composite.next_state.add_for_all_bytes(Composite(composite.next_state, composite.match))
        composite.next_state.indeterminate = True
        return name_state
    _add(state, character, match)
    if previous is not None and characters[last - 1] == WILDCARD:
        _add(previous, character, match)
    return name_state


def _transition_into(origin: ByteState, character: int, target: ByteState) -> Composite:
    """The composite from ``origin`` on ``character`` into ``target``
    (``getTransitionHavingNextByteState``)."""
    for single in ordered(_get(origin, character)):
        if isinstance(single, Composite) and single.next_state is target:
            return single
    raise AssertionError("a trailing * follows the composite that leads to it")
