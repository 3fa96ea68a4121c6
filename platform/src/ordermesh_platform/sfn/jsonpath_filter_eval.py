"""What a parsed JSONPath filter means: Jayway's ``ValueNodes`` and ``EvaluatorFactory``.

A value under test is a ``Node``, ``(kind, value)``: a number (a ``Decimal`` of the number's text,
as Jayway builds a ``BigDecimal``), a string, a boolean, null, JSON (a list or an object), a
regular expression, or *undefined* (a path that selects nothing). ``jsonpath_filter`` builds the
expression tree from the text; ``Filter.select`` applies it to the nodes a path step reached.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Protocol

MISSING: Final = object()  # what a path in a filter resolves to when nothing is there

Resolver = Callable[[Any, Any], Any]  # (item, document) -> the value, or MISSING
Node = tuple[str, Any]
Test = Callable[[Node, Node], bool]

NUM: Final = "number"
STR: Final = "string"
BOOL: Final = "boolean"
NULL: Final = "null"
JSON: Final = "json"
REGEX: Final = "regex"
UNDEFINED: Final = "undefined"

_BIG_DECIMAL: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class _RejectedError(Exception):
    """Jayway throws while testing an item (``in`` with no list): the item is not selected."""


class PrimitiveContextError(Exception):
    """A filter met a primitive where Jayway throws; the message is the value as Java prints it."""


def node(value: Any) -> Node:
    """A JSON value (or ``MISSING``) as a node."""
    if value is MISSING:
        return (UNDEFINED, None)
    if value is None:
        return (NULL, None)
    if isinstance(value, bool):
        return (BOOL, value)
    if isinstance(value, int | float):
        return (NUM, Decimal(value if isinstance(value, int) else repr(value)))
    if isinstance(value, str):
        return (STR, value)
    return (JSON, value)


def big_decimal(text: str) -> Decimal | None:
    """``new BigDecimal(text)``, or None where Java throws NumberFormatException."""
    return Decimal(text) if _BIG_DECIMAL.fullmatch(text) else None


def _same_json(left: Any, right: Any) -> bool:
    """Java's equals on parsed JSON: an integer is not a decimal number, nor a boolean."""
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(_same_json(left[key], right[key]) for key in left)
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(map(_same_json, left, right))
        )
    return type(left) is type(right) and left == right


def _equals(left: Node, right: Node) -> bool:
    """``left.equals(right)``: numbers and strings convert, one way each."""
    kind, value = left
    other_kind, other = right
    if kind == NUM and other_kind == STR:  # NumberNode.equals parses the string
        number = big_decimal(other)
        return number is not None and value == number
    if kind == STR and other_kind == NUM:  # StringNode.equals prints the number
        return bool(value == str(other))  # Decimal's str is BigDecimal.toString
    if kind != other_kind or kind == UNDEFINED:
        return False
    if kind == JSON:
        return _same_json(value, other)
    if kind == REGEX:
        return bool(value.pattern == other.pattern and value.flags == other.flags)
    return bool(value == other)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def _ordering(compare: Callable[[Any, Any], bool]) -> Test:
    """``< <= > >=``: two numbers, or two strings by UTF-16 units (String.compareTo); else false."""

    def test(left: Node, right: Node) -> bool:
        if left[0] == right[0] == NUM:
            return compare(left[1], right[1])
        if left[0] == right[0] == STR:
            return compare(_utf16(left[1]), _utf16(right[1]))
        return False

    return test


def _as_text(value: Node) -> str:
    """What a regular expression is matched against: text, a number's text, true or false."""
    kind, content = value
    if kind in {STR, NUM}:
        return str(content)
    if kind == BOOL:
        return "true" if content else "false"
    return ""


def _matches(left: Node, right: Node) -> bool:
    """``=~``: exactly one side is a pattern, and it must match the other side's whole text."""
    if (left[0] == REGEX) == (right[0] == REGEX):
        return False
    pattern, subject = (left, right) if left[0] == REGEX else (right, left)
    return pattern[1].fullmatch(_as_text(subject)) is not None


def _is_in(left: Node, right: Node) -> bool:
    kind, value = right
    if kind != JSON:
        raise _RejectedError
    return isinstance(value, list) and any(_equals(left, node(item)) for item in value)


def _negated(test: Test) -> Test:
    return lambda left, right: not test(left, right)


OPERATORS: Final[dict[str, Test]] = {
    "==": _equals,
    "!=": _negated(_equals),
    "<": _ordering(operator.lt),
    "<=": _ordering(operator.le),
    ">": _ordering(operator.gt),
    ">=": _ordering(operator.ge),
    "=~": _matches,
    "in": _is_in,
    "nin": _negated(_is_in),
}


# --- the expression tree -----------------------------------------------------------------------


class Expression(Protocol):
    def holds(self, item: Any, document: Any) -> bool: ...


@dataclass(frozen=True, slots=True)
class Literal:
    node: Node

    def value(self, item: Any, document: Any) -> Node:  # noqa: ARG002 - the operands' signature
        return self.node


@dataclass(frozen=True, slots=True)
class PathOperand:
    text: str
    resolve: Resolver
    negated: bool  # written '!@.x'

    def value(self, item: Any, document: Any) -> Node:
        return node(self.resolve(item, document))


@dataclass(frozen=True, slots=True)
class Exists:
    path: PathOperand

    def holds(self, item: Any, document: Any) -> bool:
        return (self.path.resolve(item, document) is not MISSING) != self.path.negated


@dataclass(frozen=True, slots=True)
class Compare:
    left: Literal | PathOperand
    test: Test
    right: Literal | PathOperand

    def holds(self, item: Any, document: Any) -> bool:
        return self.test(self.left.value(item, document), self.right.value(item, document))


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Expression, ...]

    def holds(self, item: Any, document: Any) -> bool:
        return all(part.holds(item, document) for part in self.parts)


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Expression, ...]

    def holds(self, item: Any, document: Any) -> bool:
        return any(part.holds(item, document) for part in self.parts)


@dataclass(frozen=True, slots=True)
class Not:
    inner: Expression

    def holds(self, item: Any, document: Any) -> bool:
        return not self.inner.holds(item, document)


@dataclass(frozen=True, slots=True)
class Filter:
    """A parsed filter: ``source`` is its text, ``[?(...)]``."""

    source: str
    expression: Expression

    def accepts(self, item: Any, document: Any) -> bool:
        """Whether ``item`` passes; ``document`` is what ``$`` paths in the filter read."""
        try:
            return self.expression.holds(item, document)
        except _RejectedError:
            return False

    def select(
        self, nodes: list[Any], document: Any, *, scanned: bool, last: bool, strict: bool
    ) -> list[Any]:
        """What the filter step selects in ``nodes`` (PredicatePathToken, ScanPathToken).

        An object is tested itself, an array item by item. After a deep scan (``scanned``) every
        object and array met is first tested itself, and an array that passes gives its items
        that pass, or all of its items when more steps follow (not ``last``). A primitive is
        passed over unless ``strict`` (no deep scan and every step before was definite), where
        it raises ``PrimitiveContextError``.
        """
        selected: list[Any] = []
        for value in nodes:
            if isinstance(value, dict):
                if self.accepts(value, document):
                    selected.append(value)
            elif isinstance(value, list):
                if not scanned:
                    selected.extend(item for item in value if self.accepts(item, document))
                elif self.accepts(value, document):
                    selected.extend(
                        item for item in value if not last or self.accepts(item, document)
                    )
            elif strict and not scanned:
                text = value if isinstance(value, str) else json.dumps(value)
                raise PrimitiveContextError(text)
        return selected
