"""event-ruler's own matching algorithm, literal and slower: the tests of a branch and the
array-consistent search over an event flattened to dotted names.

A branch is a list of ``FieldTest``s in event-ruler's order (sorted field names). ``flatten``
turns an event into dotted name -> values, each value with the array elements it sits in;
``search`` tries the fields in order, choosing values whose arrays agree with the elements chosen
before and backtracking. ``EventPattern`` (``matcher``) falls back to this where the compiled tree
walk (``_tree_walk``) is not event-ruler's semantics.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._conditions import ValueTest, value_test
from ._json import JsonObject
from ._values import java_order
from .compiler import Branch, Kind

Membership = tuple[tuple[int, int], ...]
Fields = dict[str, list[tuple[Any, Membership]]]


@dataclass(frozen=True, slots=True)
class FieldTest:
    """One field of a branch, in the order event-ruler tests them.

    ``test`` None: the field must not exist. ``or_absent``: the field may also not exist (a value
    list mixing ``{"exists": false}`` with other conditions). ``strings`` is set when the field
    must equal one of a few strings (the common case, which gets a tighter check).
    """

    name: str
    test: ValueTest | None
    strings: frozenset[str] | None = None
    or_absent: bool = False


def branch_tests(branch: Branch) -> list[FieldTest]:
    """A branch's fields in event-ruler's order (sorted names), each with its value test."""
    tests = []
    for name in sorted(branch, key=java_order):
        conditions = branch[name]
        present = tuple(c for c in conditions if c.kind is not Kind.ABSENT)
        if not present:
            tests.append(FieldTest(name, None))
            continue
        strings = None
        if all(c.kind is Kind.EXACT for c in present):
            strings = frozenset(c.value for c in present)
        tests.append(
            FieldTest(name, value_test(present), strings, or_absent=len(present) < len(conditions))
        )
    return tests


def flatten(event: Any) -> Fields:
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


def search(tests: list[FieldTest], fields: Fields) -> bool:
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
