"""The value tests of an SNS filter policy: one per element of a property's array.

A message value here is one primitive: a string, a number (a ``Decimal``, from a Number attribute
or a JSON number of the body), ``True``/``False`` or ``None`` (JSON null). Arrays are the
matcher's business: a property matches when one of its values passes one of its tests.

Types do not mix, as in SNS: a string never equals a number (``"100"`` is not ``100``), numeric
tests see numbers only, string operators see strings only, and a boolean is never a number (in
Python ``True == 1``, so every test checks the type first).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ordermesh_platform.patterns import IpRange, parse_ip

Value = str | Decimal | bool | None


def is_number(value: Any) -> bool:
    return isinstance(value, Decimal)


def same_value(value: Value, expected: Value) -> bool:
    """JSON equality: same kind of value and equal (numbers by value: 3.015e2 is 301.5)."""
    if isinstance(expected, bool) or expected is None:
        return value is expected
    if isinstance(expected, str):
        return isinstance(value, str) and value == expected
    return isinstance(value, Decimal) and value == expected


@dataclass(frozen=True)
class Exact:
    value: Value

    def test(self, value: Value) -> bool:
        return same_value(value, self.value)


@dataclass(frozen=True)
class Prefix:
    prefix: str

    def test(self, value: Value) -> bool:
        return isinstance(value, str) and value.startswith(self.prefix)


@dataclass(frozen=True)
class Suffix:
    suffix: str

    def test(self, value: Value) -> bool:
        return isinstance(value, str) and value.endswith(self.suffix)


@dataclass(frozen=True)
class EqualsIgnoreCase:
    text: str

    def test(self, value: Value) -> bool:
        return isinstance(value, str) and value.lower() == self.text.lower()


@dataclass(frozen=True)
class AnythingBut:
    """Any string or number that is none of ``values`` (null and booleans never match)."""

    values: tuple[str | Decimal, ...]

    def test(self, value: Value) -> bool:
        if value is None or isinstance(value, bool):
            return False
        return not any(same_value(value, excluded) for excluded in self.values)


@dataclass(frozen=True)
class AnythingButPrefix:
    prefix: str

    def test(self, value: Value) -> bool:
        return isinstance(value, str) and not value.startswith(self.prefix)


@dataclass(frozen=True)
class Numeric:
    """``numeric``: ``=`` (``equals``), or a lower and/or an upper bound."""

    equals: Decimal | None = None
    lower: Decimal | None = None
    lower_inclusive: bool = False
    upper: Decimal | None = None
    upper_inclusive: bool = False

    def test(self, value: Value) -> bool:
        if not isinstance(value, Decimal):
            return False
        if self.equals is not None:
            return value == self.equals
        if self.lower is not None and (
            value < self.lower or (value == self.lower and not self.lower_inclusive)
        ):
            return False
        return (
            self.upper is None
            or value < self.upper
            or (value == self.upper and self.upper_inclusive)
        )


@dataclass(frozen=True)
class Cidr:
    """``cidr``: a string holding an IPv4 or IPv6 address inside the block (the block as the
    EventBridge engine parses it: the same reader, the same error texts)."""

    block: IpRange

    def test(self, value: Value) -> bool:
        if not isinstance(value, str):
            return False
        address = parse_ip(value)
        if address is None:
            return False
        bits, lowest, highest = self.block
        return address[0] == bits and lowest <= address[1] <= highest


@dataclass(frozen=True)
class Exists:
    """``exists``: whether the property is there at all (see the matcher for what counts)."""

    expected: bool

    def test(self, value: Value) -> bool:
        del value
        return False  # the matcher decides exists from the message, not from a value


Condition = (
    Exact
    | Prefix
    | Suffix
    | EqualsIgnoreCase
    | AnythingBut
    | AnythingButPrefix
    | Numeric
    | Cidr
    | Exists
)
