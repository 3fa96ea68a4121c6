"""The compiled tree walk: a branch's tests as closures over a tree of its field names split at
dots, matched by walking the event dict once along that tree, choosing array elements as it
descends, never looking at the pattern again.

``expand`` splits fields that may be present or absent into alternatives (None when there would
be more than ``MAX_TREES_PER_BRANCH``: the field walk decides), and ``tree`` compiles one
alternative. A check raises ``NeedsFieldWalk`` when it meets an event key with a dot that could
name a field the pattern tests: the field walk (``_field_walk``) decides then.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from ._conditions import ValueTest
from ._field_walk import FieldTest
from ._values import java_order

MAX_TREES_PER_BRANCH: Final = 16

_MISSING: Final = object()

Check = Callable[[Any], bool]


class NeedsFieldWalk(Exception):  # noqa: N818 - control flow, caught by EventPattern
    """The tree walk met an event key with a dot that could name a field the pattern tests."""


def expand(tests: list[FieldTest]) -> list[list[FieldTest]] | None:
    """Split fields that may be present or absent into one alternative each, or None if that
    makes more than MAX_TREES_PER_BRANCH alternatives (the field walk then decides).

    After the split every field either must occur or must not exist, so whether an earlier
    field pinned an array is known when the tree is built.
    """
    options: list[list[FieldTest]] = []
    count = 1
    for item in tests:
        if item.or_absent:
            options.append(
                [FieldTest(item.name, item.test, item.strings), FieldTest(item.name, None)]
            )
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


def tree(tests: list[FieldTest]) -> Check:
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


def _pinned_depth(name: str, segments: list[str], present: list[FieldTest]) -> int:
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
                raise NeedsFieldWalk
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
                    raise NeedsFieldWalk
            return inner(value.get(segment, _MISSING))
        if cls is list:
            return any(step(item) for item in value)
        return False

    return step
