"""Compiled event patterns: ``compile_pattern`` and ``EventPattern.matches``.

Matching is array-consistent, as EventBridge's: the fields a branch tests must come from one
element of any array they share, and ``{"exists": false}`` fails if the field occurs anywhere
that is consistent with the fields matched before it (event-ruler tests fields in sorted name
order, so "before" is in that order).

Each branch is compiled to closures over a tree of its field names split at dots (``_tree_walk``);
matching walks the event dict once along that tree, choosing array elements as it descends, and
never looks at the pattern again. Where event-ruler's semantics are not a plain tree walk, the
slower but literal algorithm takes over (``_field_walk``, event-ruler's own: the event flattened
to dotted names with array memberships, fields tried in sorted order with backtracking). That
happens when an event key contains a dot on a path the pattern tests (``{"detail.state": ...}``
and ``{"detail": {"state": ...}}`` are the same field to EventBridge), or when ``matches_json``
reads an object with a repeated key. ``EventPattern`` here chooses which of the two answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._field_walk import FieldTest, branch_tests, flatten, search
from ._json import JsonObject, dump, from_python, load_event, load_pattern
from ._tree_walk import Check, NeedsFieldWalk, expand, tree
from .compiler import Branch, Kind, compile_branches
from .complexity import check_complexity
from .errors import ROOT_PATH, InvalidEventPatternError

MAX_PATTERN_LENGTH: Final = 4096


def compile_pattern(pattern: str | Mapping[str, Any]) -> EventPattern:
    """Check and compile an event pattern given as JSON text or as a mapping.

    Raises InvalidEventPatternError, saying what is wrong and where, when EventBridge would
    reject the pattern, wildcards too complex to match included (``complexity``).
    """
    if isinstance(pattern, str):
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise InvalidEventPatternError(_too_long(len(pattern)), ROOT_PATH)
        try:
            document = load_pattern(pattern)
        except ValueError as error:
            raise InvalidEventPatternError(f"Invalid JSON: {error}", ROOT_PATH) from None
    elif isinstance(pattern, Mapping):
        document = from_python(pattern)
    else:
        raise InvalidEventPatternError("Filter is not an object", ROOT_PATH)
    branches = compile_branches(document)
    source = dump(document)
    if len(source) > MAX_PATTERN_LENGTH:
        raise InvalidEventPatternError(_too_long(len(source)), ROOT_PATH)
    check_complexity(branches)
    return EventPattern(source, branches)


def _too_long(length: int) -> str:
    return f"Event pattern is {length} characters long, the maximum is {MAX_PATTERN_LENGTH}"


class EventPattern:
    """A compiled event pattern. Build it with :func:`compile_pattern`."""

    __slots__ = ("_checks", "_exact_fields", "_single", "_source", "_tests", "_walk_only")

    def __init__(self, source: str, branches: list[Branch]) -> None:
        self._source = source
        self._tests = [branch_tests(branch) for branch in branches]
        checks: list[Check] = []
        self._walk_only: list[list[FieldTest]] = []
        for tests in self._tests:
            expanded = expand(tests)
            if expanded is None:
                self._walk_only.append(tests)
            else:
                checks.extend(tree(alternative) for alternative in expanded)
        self._checks = tuple(checks)
        self._single = self._checks[0] if len(self._checks) == 1 and not self._walk_only else None
        self._exact_fields = [_top_level_exact_fields(branch) for branch in branches]

    @property
    def source(self) -> str:
        """The pattern as compact JSON text."""
        return self._source

    def matches(self, event: dict[str, Any]) -> bool:
        """Whether the event (a dict as ``json.loads`` returns it) matches the pattern."""
        if event.__class__ is not dict:
            if not isinstance(event, Mapping):
                raise TypeError(f"An event must be a JSON object, not {type(event).__name__}")
            return self._walk_fields(event)
        try:
            if self._single is not None:
                return self._single(event)
            for check in self._checks:
                if check(event):
                    return True
        except NeedsFieldWalk:
            return self._walk_fields(event)
        if not self._walk_only:
            return False
        fields = flatten(event)
        return any(search(tests, fields) for tests in self._walk_only)

    def matches_json(self, text: str | bytes) -> bool:
        """Whether the event given as JSON text matches, its number spellings and repeated
        keys taken into account as EventBridge does."""
        event, repeated = load_event(text if isinstance(text, str) else text.decode("utf-8"))
        if not isinstance(event, dict | JsonObject):
            raise TypeError("An event must be a JSON object")
        if repeated or isinstance(event, JsonObject):
            return self._walk_fields(event)
        return self.matches(event)

    def _walk_fields(self, event: Any) -> bool:
        fields = flatten(event)
        return any(search(tests, fields) for tests in self._tests)

    def __repr__(self) -> str:
        return f"EventPattern({self._source})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventPattern) and other._source == self._source

    def __hash__(self) -> int:
        return hash(self._source)


def exact_fields(pattern: EventPattern) -> list[dict[str, frozenset[str]]]:
    """Per branch, the top-level fields that must equal one of a set of strings."""
    return pattern._exact_fields  # noqa: SLF001 - the index reads what the pattern computed


def _top_level_exact_fields(branch: Branch) -> dict[str, frozenset[str]]:
    return {
        name: frozenset(condition.value for condition in conditions)
        for name, conditions in branch.items()
        if "." not in name and all(condition.kind is Kind.EXACT for condition in conditions)
    }


__all__ = ["EventPattern", "compile_pattern", "exact_fields"]
