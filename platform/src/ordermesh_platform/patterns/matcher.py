"""Compiled event patterns: ``compile_pattern`` and ``EventPattern.matches``.

Matching is array-consistent, as EventBridge's: the fields a branch tests must come from one
element of any array they share, and ``{"exists": false}`` fails if the field occurs anywhere
that is consistent with the fields matched before it (event-ruler tests fields in sorted name
order, so "before" is in that order).

Each branch is compiled to closures over a tree of its field names split at dots; matching walks
the event dict once along that tree, choosing array elements as it descends, and never looks at
the pattern again. Where event-ruler's semantics are not a plain tree walk, the slower but
literal algorithm takes over (event-ruler's own: the event flattened to dotted names with array
memberships, fields tried in sorted order with backtracking). That happens when an event key
contains a dot on a path the pattern tests (``{"detail.state": ...}`` and
``{"detail": {"state": ...}}`` are the same field to EventBridge), or when ``matches_json`` reads
an object with a repeated key.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ._conditions import ValueTest, value_test
from ._json import JsonObject, dump, from_python, load_event, load_pattern
from ._values import java_order
from .compiler import Branch, Kind, compile_branches
from .complexity import check_complexity
from .errors import ROOT_PATH, InvalidEventPatternError

MAX_PATTERN_LENGTH: Final = 4096

_MISSING: Final = object()

Membership = tuple[tuple[int, int], ...]
Fields = dict[str, list[tuple[Any, Membership]]]
Check = Callable[[Any], bool]


class _NeedsFieldWalk(Exception):  # noqa: N818 - control flow, never escapes this module
    """The tree walk met an event key with a dot that could name a field the pattern tests."""


MAX_TREES_PER_BRANCH: Final = 16


@dataclass(frozen=True, slots=True)
class _Test:
    """One field of a branch, in the order event-ruler tests them.

    ``test`` None: the field must not exist. ``or_absent``: the field may also not exist (a value
    list mixing ``{"exists": false}`` with other conditions). ``strings`` is set when the field
    must equal one of a few strings (the common case, which gets a tighter check).
    """

    name: str
    test: ValueTest | None
    strings: frozenset[str] | None = None
    or_absent: bool = False


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
        self._tests = [_branch_tests(branch) for branch in branches]
        checks: list[Check] = []
        self._walk_only: list[list[_Test]] = []
        for tests in self._tests:
            expanded = _expand(tests)
            if expanded is None:
                self._walk_only.append(tests)
            else:
                checks.extend(_tree(alternative) for alternative in expanded)
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
        except _NeedsFieldWalk:
            return self._walk_fields(event)
        if not self._walk_only:
            return False
        fields = _flatten(event)
        return any(_search(tests, fields) for tests in self._walk_only)

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
        fields = _flatten(event)
        return any(_search(tests, fields) for tests in self._tests)

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


def _branch_tests(branch: Branch) -> list[_Test]:
    """A branch's fields in event-ruler's order (sorted names), each with its value test."""
    tests = []
    for name in sorted(branch, key=java_order):
        conditions = branch[name]
        present = tuple(c for c in conditions if c.kind is not Kind.ABSENT)
        if not present:
            tests.append(_Test(name, None))
            continue
        strings = None
        if all(c.kind is Kind.EXACT for c in present):
            strings = frozenset(c.value for c in present)
        tests.append(
            _Test(name, value_test(present), strings, or_absent=len(present) < len(conditions))
        )
    return tests


def _expand(tests: list[_Test]) -> list[list[_Test]] | None:
    """Split fields that may be present or absent into one alternative each, or None if that
    makes more than MAX_TREES_PER_BRANCH alternatives (the field walk then decides).

    After the split every field either must occur or must not exist, so whether an earlier
    field pinned an array is known when the tree is built.
    """
    options: list[list[_Test]] = []
    count = 1
    for item in tests:
        if item.or_absent:
            options.append([_Test(item.name, item.test, item.strings), _Test(item.name, None)])
            count *= 2
            if count > MAX_TREES_PER_BRANCH:
                return None
        else:
            options.append([item])
    return [list(combination) for combination in itertools.product(*options)]


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    test: ValueTest | None = None
    strings: frozenset[str] | None = None
    absent: list[tuple[str, ...]] = field(default_factory=list)
    probes: set[str] = field(default_factory=set)


def _tree(tests: list[_Test]) -> Check:
    root = _Node()
    present = [t for t in tests if t.test is not None]
    for item in present:
        node = root
        for segment in item.name.split("."):
            node = node.children.setdefault(segment, _Node())
        node.test = item.test
        node.strings = item.strings
    for item in tests:
        if item.test is None:
            segments = item.name.split(".")
            depth = _pinned_depth(item.name, segments, present)
            node = root
            for segment in segments[:depth]:
                node = node.children[segment]
            node.absent.append(tuple(segments[depth:]))
    for item in tests:
        _add_probes(root, item.name.split("."))
    return _dict_check(root)


def _pinned_depth(name: str, segments: list[str], present: list[_Test]) -> int:
    """How many leading segments of an absent field are pinned to the current array element.

    event-ruler checks absence against the array elements chosen by fields tested before it; a
    field tested before it that shares the first ``j`` segments pins the arrays on that prefix.
    """
    order = java_order(name)
    for depth in range(len(segments) - 1, 0, -1):
        prefix = ".".join(segments[:depth]) + "."
        if any(java_order(p.name) < order and p.name.startswith(prefix) for p in present):
            return depth
    return 0


def _add_probes(root: _Node, segments: list[str]) -> None:
    node: _Node | None = root
    for start in range(len(segments) - 1):
        if node is None:
            return
        for end in range(start + 2, len(segments) + 1):
            node.probes.add(".".join(segments[start:end]))
        node = node.children.get(segments[start])


def _check(node: _Node) -> Check:
    """The check of a field's value (dict, list, primitive or missing) against a subtree."""
    if not node.children and not node.absent:
        assert node.test is not None  # noqa: S101 - a leaf of the tree is a tested field
        if node.strings is not None:
            return _strings_check(node.strings)
        return _leaf_check(node.test)
    on_dict = _dict_check(node)
    if node.test is None:
        return _object_check(on_dict)
    return _object_and_value_check(on_dict, node.test)


def _object_check(on_dict: Check) -> Check:
    """A subtree below a field: the field's dict, or one dict inside its (nested) arrays."""

    def in_list(values: list[Any]) -> bool:
        for value in values:
            cls = value.__class__
            if (cls is dict and on_dict(value)) or (cls is list and in_list(value)):
                return True
        return False

    def check(value: Any) -> bool:
        cls = value.__class__
        if cls is dict:
            return on_dict(value)
        if cls is list:
            return in_list(value)
        return False

    return check


def _object_and_value_check(on_dict: Check, test: ValueTest) -> Check:
    """A field tested both for a value and for fields below it (``a`` and ``a.b``).

    Only an array can hold both; its plain values belong to no element, so they combine with
    any one element of it (or of an array nested in it).
    """

    def in_list(values: list[Any], *, seen: bool) -> bool:
        seen = seen or any(
            value.__class__ is not dict and value.__class__ is not list and test(value)
            for value in values
        )
        for value in values:
            cls = value.__class__
            if cls is dict and seen and on_dict(value):
                return True
            if cls is list and in_list(value, seen=seen):
                return True
        return False

    return lambda value: value.__class__ is list and in_list(value, seen=False)


def _dict_check(node: _Node) -> Check:
    """The check of a dict against a subtree: its children, absences and dotted-key probes."""
    ordered = sorted(node.children.items(), key=lambda item: _cost(item[1]))
    children = tuple((segment, _check(child)) for segment, child in ordered)
    absences = tuple(_occurs(remainder) for remainder in node.absent)
    probes = tuple(sorted(node.probes))
    if not probes and not absences and len(children) == 1:
        ((segment, only),) = children
        return lambda value: only(value.get(segment, _MISSING))
    if not probes and not absences and len(children) == 2:  # noqa: PLR2004
        (first_segment, first), (second_segment, second) = children
        return lambda value: (
            first(value.get(first_segment, _MISSING))
            and second(value.get(second_segment, _MISSING))
        )

    def on_dict(value: dict[str, Any]) -> bool:
        for probe in probes:
            if probe in value:
                raise _NeedsFieldWalk
        for segment, check in children:
            if not check(value.get(segment, _MISSING)):
                return False
        for occurs in absences:  # noqa: SIM110 - a generator costs more than this loop
            if occurs(value):
                return False
        return True

    return on_dict


def _cost(node: _Node) -> tuple[int, int]:
    """Cheap, selective checks first: exact strings, other values, then subtrees by size."""
    if not node.children and not node.absent:
        return (0 if node.strings is not None else 1, 0)
    return (2, _size(node))


def _size(node: _Node) -> int:
    return 1 + len(node.absent) + sum(_size(child) for child in node.children.values())


def _strings_check(strings: frozenset[str]) -> Check:
    def in_list(values: list[Any]) -> bool:
        for value in values:
            cls = value.__class__
            if (cls is str and value in strings) or (cls is list and in_list(value)):
                return True
        return False

    if len(strings) == 1:
        (only,) = strings

        def check_one(value: Any) -> bool:
            cls = value.__class__
            if cls is str:
                return bool(value == only)
            return cls is list and in_list(value)

        return check_one

    def check(value: Any) -> bool:
        cls = value.__class__
        if cls is str:
            return value in strings
        return cls is list and in_list(value)

    return check


def _leaf_check(test: ValueTest) -> Check:
    def in_list(values: list[Any]) -> bool:
        for value in values:
            cls = value.__class__
            if cls is list:
                if in_list(value):
                    return True
            elif cls is not dict and test(value):
                return True
        return False

    def check(value: Any) -> bool:
        cls = value.__class__
        if cls is list:
            return in_list(value)
        if cls is dict or value is _MISSING:
            return False
        return test(value)

    return check


def _has_value(value: Any) -> bool:
    cls = value.__class__
    if cls is list:
        return any(_has_value(item) for item in value)
    return cls is not dict and value is not _MISSING


def _occurs(remainder: tuple[str, ...]) -> Check:
    """Whether the field ``remainder`` has a value anywhere below a dict, through every array."""
    check: Check = _has_value
    for start in range(len(remainder) - 1, -1, -1):
        check = _occurs_step(
            remainder[start],
            tuple(".".join(remainder[start:end]) for end in range(start + 2, len(remainder) + 1)),
            check,
        )
    return check


def _occurs_step(segment: str, probes: tuple[str, ...], inner: Check) -> Check:
    def step(value: Any) -> bool:
        cls = value.__class__
        if cls is dict:
            for probe in probes:
                if probe in value:
                    raise _NeedsFieldWalk
            return inner(value.get(segment, _MISSING))
        if cls is list:
            return any(step(item) for item in value)
        return False

    return step


def _flatten(event: Any) -> Fields:
    """event-ruler's view of an event: dotted name -> (value, array memberships) per value."""
    fields: Fields = {}
    arrays = itertools.count()

    def walk_object(obj: Any, prefix: str | None, membership: Membership) -> None:
        pairs = obj.pairs if isinstance(obj, JsonObject) else obj.items()
        for key, value in pairs:
            walk_value(value, key if prefix is None else f"{prefix}.{key}", membership)

    def walk_value(value: Any, name: str, membership: Membership) -> None:
        if isinstance(value, dict | JsonObject | Mapping):
            walk_object(value, name, membership)
        elif isinstance(value, list):
            array = next(arrays)
            for index, item in enumerate(value):
                if isinstance(item, dict | JsonObject | Mapping | list):
                    walk_value(item, name, (*membership, (array, index)))
                else:
                    fields.setdefault(name, []).append((item, membership))
        else:
            fields.setdefault(name, []).append((value, membership))

    walk_object(event, None, ())
    return fields


def _consistent(chosen: dict[int, int], membership: Membership) -> bool:
    return all(chosen.get(array, index) == index for array, index in membership)


def _search(tests: list[_Test], fields: Fields) -> bool:
    """event-ruler's array-consistent search: fields in sorted order, backtracking over values."""
    failed: set[tuple[int, tuple[tuple[int, int], ...]]] = set()

    def step(position: int, chosen: dict[int, int]) -> bool:
        if position == len(tests):
            return True
        key = (position, tuple(sorted(chosen.items())))
        if key in failed:
            return False
        item = tests[position]
        values = fields.get(item.name, ())
        test = item.test
        result = test is not None and any(
            _consistent(chosen, membership)
            and test(value)
            and step(position + 1, {**chosen, **dict(membership)})
            for value, membership in values
        )
        if not result and (test is None or item.or_absent):
            absent = not any(_consistent(chosen, membership) for _, membership in values)
            result = absent and step(position + 1, chosen)
        if not result:
            failed.add(key)
        return result

    return step(0, {})


__all__ = ["EventPattern", "compile_pattern", "exact_fields"]
