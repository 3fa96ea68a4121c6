"""Value tests: per field, one compiled function telling whether a JSON value satisfies it.

A value here is a single primitive (string, number, true, false, null); arrays and objects are
the matcher's business.

Like event-ruler, a field whose conditions include a numeric one compares number values by
value (so a plain string or literal test never sees them), and otherwise, when it has an address
condition, compares address-shaped strings as addresses (so string operators never match them,
and anything-but always does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._values import (
    NUMERIC_LIMIT,
    IpRange,
    JsonNumber,
    comparable_float,
    comparable_int,
    float_text,
    ignore_case_matcher,
    parse_ip,
    wildcard_matcher,
)
from .compiler import Condition, Kind

ValueTest = Callable[[Any], bool]

_NUMERIC_KINDS = frozenset({Kind.NUMERIC_EQUALS, Kind.NUMERIC_RANGE, Kind.ANYTHING_BUT_NUMERIC})
_ANYTHING_BUT_KINDS = frozenset(
    {
        Kind.ANYTHING_BUT,
        Kind.ANYTHING_BUT_NUMERIC,
        Kind.ANYTHING_BUT_PREFIX,
        Kind.ANYTHING_BUT_SUFFIX,
        Kind.ANYTHING_BUT_IGNORE_CASE,
        Kind.ANYTHING_BUT_WILDCARD,
    }
)


def _always(_value: Any) -> bool:
    return True


def value_test(conditions: tuple[Condition, ...]) -> ValueTest:
    """The test of one primitive JSON value against a field's (value) conditions."""
    kinds = {condition.kind for condition in conditions}
    if Kind.EXISTS in kinds:
        return _always
    values = [condition.value for condition in conditions]
    if len(kinds) == 1:
        (kind,) = kinds
        special = _single_kind_test(kind, values)
        if special is not None:
            return special
    if kinds & _NUMERIC_KINDS and kinds <= _PLAIN_NUMERIC_KINDS:
        literals = {c.value for c in conditions if c.kind is Kind.LITERAL}
        if not literals & _WORD_LITERALS:
            return _numeric_test(conditions, frozenset(literals))
    return _General(conditions).test


def _single_kind_test(kind: Kind, values: list[Any]) -> ValueTest | None:
    """A tighter test for the common lists that use one kind of condition only."""
    if kind is Kind.EXACT:
        return _exact_test(frozenset(values))
    if kind is Kind.PREFIX:
        prefixes = tuple(values)
        return lambda value: value.__class__ is str and value.startswith(prefixes)
    if kind is Kind.SUFFIX:
        suffixes = tuple(values)
        return lambda value: value.__class__ is str and value.endswith(suffixes)
    if kind is Kind.ANYTHING_BUT and len(values) == 1:
        excluded: frozenset[str] = values[0]
        return lambda value: value.__class__ is not str or value not in excluded
    return None


_PLAIN_NUMERIC_KINDS = frozenset({Kind.NUMERIC_EQUALS, Kind.NUMERIC_RANGE, Kind.LITERAL})
_WORD_LITERALS = frozenset({"true", "false", "null"})


def _exact_test(strings: frozenset[str]) -> ValueTest:
    if len(strings) == 1:
        (only,) = strings
        return lambda value: value.__class__ is str and value == only
    return lambda value: value.__class__ is str and value in strings


def _numeric_test(conditions: tuple[Condition, ...], literals: frozenset[str]) -> ValueTest:
    """Numeric = and ranges, and the spellings of numbers too large or too precise for them."""
    accepts = _accepts_number(
        frozenset(c.value for c in conditions if c.kind is Kind.NUMERIC_EQUALS),
        [c.value for c in conditions if c.kind is Kind.NUMERIC_RANGE],
    )

    def spelled(value: float) -> bool:
        return bool(literals) and _spelling(value) in literals

    def test(value: Any) -> bool:
        cls = value.__class__
        if cls is float:
            if -NUMERIC_LIMIT <= value <= NUMERIC_LIMIT:
                scaled = value * 1e6
                if (scaled.is_integer() and scaled / 1e6 == value) or round(value, 6) == value:
                    return accepts(value)
            return spelled(value)
        if cls is int:
            return accepts(value) if -NUMERIC_LIMIT <= value <= NUMERIC_LIMIT else spelled(value)
        if cls is JsonNumber:
            comparable = value.comparable
            return accepts(comparable) if comparable is not None else value.text in literals
        return False

    return test


Bounds = tuple[float | None, bool, float | None, bool]


def _accepts_number(numbers: frozenset[float], ranges: list[Bounds]) -> Callable[[float], bool]:
    if numbers and not ranges:
        return numbers.__contains__
    if len(ranges) == 1 and not numbers:
        return _one_range(ranges[0])
    return lambda v: v in numbers or any(_in_range(v, bounds) for bounds in ranges)


class _General:
    """Every kind of condition, dispatched on the value's JSON type."""

    def __init__(self, conditions: tuple[Condition, ...]) -> None:
        kinds = {condition.kind for condition in conditions}
        self.numeric_mode = bool(kinds & _NUMERIC_KINDS)
        self.address_mode = not self.numeric_mode and Kind.IP_RANGE in kinds
        self.exact: set[str] = set()
        self.literals: set[str] = set()
        self.numbers: set[float] = set()
        self.ranges: list[Bounds] = []
        self.addresses: list[IpRange] = []
        self.prefixes: list[str] = []
        self.suffixes: list[str] = []
        self.string_tests: list[Callable[[str], bool]] = []
        self.excluded_numbers: list[frozenset[float]] = []
        self.any_anything_but = bool(kinds & _ANYTHING_BUT_KINDS)
        self.string_anything_but = bool(kinds & (_ANYTHING_BUT_KINDS - {Kind.ANYTHING_BUT_NUMERIC}))
        for condition in conditions:
            self._add(condition)
        self.prefix_tuple = tuple(self.prefixes)
        self.suffix_tuple = tuple(self.suffixes)

    def _add(self, condition: Condition) -> None:  # noqa: C901, PLR0912 - one branch per kind
        kind, value = condition.kind, condition.value
        if kind is Kind.EXACT:
            self.exact.add(value)
        elif kind is Kind.LITERAL:
            self.literals.add(value)
        elif kind is Kind.NUMERIC_EQUALS:
            self.numbers.add(value)
        elif kind is Kind.NUMERIC_RANGE:
            self.ranges.append(value)
        elif kind is Kind.IP_RANGE:
            self.addresses.append(value)
        elif kind is Kind.PREFIX:
            self.prefixes.append(value)
        elif kind is Kind.SUFFIX:
            self.suffixes.append(value)
        elif kind is Kind.PREFIX_IGNORE_CASE:
            self.string_tests.append(ignore_case_matcher(value, "prefix"))
        elif kind is Kind.SUFFIX_IGNORE_CASE:
            self.string_tests.append(ignore_case_matcher(value, "suffix"))
        elif kind is Kind.EQUALS_IGNORE_CASE:
            self.string_tests.append(ignore_case_matcher(value, "equals"))
        elif kind is Kind.WILDCARD:
            self.string_tests.append(wildcard_matcher(value))
        elif kind is Kind.ANYTHING_BUT_NUMERIC:
            self.excluded_numbers.append(value)
        elif kind in _ANYTHING_BUT_KINDS:
            self.string_tests.append(_anything_but_strings(kind, value))

    def test(self, value: Any) -> bool:
        cls = value.__class__
        if cls is str:
            return self._string(value)
        if cls is int or cls is float or cls is JsonNumber:
            return self._any_number(value)
        if cls is bool or value is None:
            return self._literal("null" if value is None else "true" if value else "false")
        return False

    def _any_number(self, value: Any) -> bool:
        if value.__class__ is JsonNumber:
            return self._number(value.comparable, value)
        if value.__class__ is int:
            return self._number(comparable_int(value), value)
        return self._number(comparable_float(value), value)

    def _string(self, value: str) -> bool:
        if self.address_mode:
            address = parse_ip(value)
            if address is not None:
                bits, number = address
                return self.any_anything_but or any(
                    bits == low_bits and low <= number <= high
                    for low_bits, low, high in self.addresses
                )
        if value in self.exact:
            return True
        if self.prefix_tuple and value.startswith(self.prefix_tuple):
            return True
        if self.suffix_tuple and value.endswith(self.suffix_tuple):
            return True
        if any(test(value) for test in self.string_tests):
            return True
        return bool(self.excluded_numbers)

    def _number(self, comparable: float | None, value: Any) -> bool:
        if self.numeric_mode and comparable is not None:
            if comparable in self.numbers or self.string_anything_but:
                return True
            if any(comparable not in excluded for excluded in self.excluded_numbers):
                return True
            return any(_in_range(comparable, bounds) for bounds in self.ranges)
        if self.any_anything_but:
            return True
        return bool(self.literals) and _spelling(value) in self.literals

    def _literal(self, text: str) -> bool:
        return self.any_anything_but or text in self.literals


def _spelling(value: Any) -> str:
    """A number's JSON spelling: as read for a JsonNumber, as Python writes it otherwise."""
    if value.__class__ is JsonNumber:
        return str(value.text)
    return str(value) if value.__class__ is int else float_text(value)


def _one_range(bounds: Bounds) -> Callable[[float], bool]:
    low, low_open, high, high_open = bounds
    if high is None:
        if low is None:
            return lambda _v: True
        return (lambda v: v > low) if low_open else (lambda v: v >= low)
    if low is None:
        return (lambda v: v < high) if high_open else (lambda v: v <= high)
    if low_open:
        return (lambda v: low < v < high) if high_open else (lambda v: low < v <= high)
    return (lambda v: low <= v < high) if high_open else (lambda v: low <= v <= high)


def _in_range(value: float, bounds: Bounds) -> bool:
    low, low_open, high, high_open = bounds
    if low is not None and (value <= low if low_open else value < low):
        return False
    return high is None or (value < high if high_open else value <= high)


def _anything_but_strings(kind: Kind, value: Any) -> Callable[[str], bool]:
    if kind is Kind.ANYTHING_BUT:
        excluded: frozenset[str] = value
        return lambda text: text not in excluded
    if kind is Kind.ANYTHING_BUT_PREFIX:
        prefixes = tuple(value)
        return lambda text: not text.startswith(prefixes)
    if kind is Kind.ANYTHING_BUT_SUFFIX:
        suffixes = tuple(value)
        return lambda text: not text.endswith(suffixes)
    if kind is Kind.ANYTHING_BUT_IGNORE_CASE:
        matchers = [ignore_case_matcher(item, "equals") for item in value]
    else:
        matchers = [wildcard_matcher(item) for item in value]
    return lambda text: not any(matcher(text) for matcher in matchers)
