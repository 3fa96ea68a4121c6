"""Event pattern compiler: checks a pattern and turns it into branches of field conditions.

It follows aws/event-ruler's ``JsonRuleCompiler`` (the engine behind EventBridge): nested
objects are flattened into dotted field names (``{"detail": {"state": [...]}}`` and
``{"detail.state": [...]}`` name the same field), each ``$or`` multiplies the branches (a
branch is a conjunction; the pattern matches if any branch does), a field repeated in an object
takes its last value list, and every operand is checked. When that fails and the pattern uses
``$or``, the pattern is compiled again with ``$or`` as an ordinary field name, as event-ruler's
``Machine.addRule`` falls back to its legacy compiler; only if that fails too is the pattern
rejected, with the first error.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from ._json import JsonObject
from ._values import (
    CidrError,
    JsonNumber,
    NumberError,
    WildcardError,
    comparable_from_text,
    decimal_or_raise,
    ip_literal_range,
    parse_cidr,
    parse_wildcard,
)
from .errors import ROOT_PATH, InvalidEventPatternError

OR: Final = "$or"
MAX_FIELDS_PER_BRANCH: Final = 256
MAX_BRANCHES: Final = 4096

_RESERVED_IN_OR: Final = frozenset(
    {
        "exactly",
        "equals-ignore-case",
        "prefix",
        "suffix",
        "anything-but",
        "exists",
        "wildcard",
        "numeric",
        "cidr",
        "=",
        "<",
        "<=",
        ">",
        ">=",
        "regex",
        "not-wildcard",
        "not-equals-ignore-case",
        "date-after",
        "date-on-or-after",
        "date-before",
        "date-on-or-before",
        "in-date-range",
        "ip-address-in-range",
        "ip-address-not-in-range",
    }
)


class Kind(enum.Enum):
    """What a condition on one field value tests."""

    EXACT = "exact string"
    LITERAL = "literal spelling (number, true, false, null)"
    NUMERIC_EQUALS = "numeric ="
    NUMERIC_RANGE = "numeric range"
    IP_RANGE = "address range"
    PREFIX = "prefix"
    SUFFIX = "suffix"
    PREFIX_IGNORE_CASE = "prefix, ignoring case"
    SUFFIX_IGNORE_CASE = "suffix, ignoring case"
    EQUALS_IGNORE_CASE = "equals-ignore-case"
    WILDCARD = "wildcard"
    ANYTHING_BUT = "anything-but strings"
    ANYTHING_BUT_NUMERIC = "anything-but numbers"
    ANYTHING_BUT_PREFIX = "anything-but prefix"
    ANYTHING_BUT_SUFFIX = "anything-but suffix"
    ANYTHING_BUT_IGNORE_CASE = "anything-but equals-ignore-case"
    ANYTHING_BUT_WILDCARD = "anything-but wildcard"
    EXISTS = "exists"
    ABSENT = "does not exist"


@dataclass(frozen=True, slots=True)
class Condition:
    """One alternative in a field's value list.

    ``value`` depends on ``kind``: the string or spelling for EXACT, LITERAL and the string
    operators; a float for NUMERIC_EQUALS; ``(low, low_open, high, high_open)`` with ``None`` for
    an open end for NUMERIC_RANGE; ``(bits, low, high)`` for IP_RANGE; a frozenset for
    ANYTHING_BUT and ANYTHING_BUT_NUMERIC; a tuple of strings for the other anything-buts.
    """

    kind: Kind
    value: Any = None


Branch = dict[str, tuple[Condition, ...]]
"""One conjunction: flattened field name -> the alternatives its value may satisfy."""


class _Reject(Exception):  # noqa: N818 - internal signal, converted to InvalidEventPatternError
    def __init__(self, reason: str, path: str, *, hard: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path
        self.hard = hard


def compile_branches(pattern: Any) -> list[Branch]:
    """The branches of a pattern read by ``_json`` (JsonObject/JsonNumber form).

    Raises InvalidEventPatternError when EventBridge would reject the pattern.
    """
    try:
        branches = _Compiler(or_keyword=True).compile(pattern)
    except _Reject as first:
        if first.hard or not _uses_or(pattern):
            raise InvalidEventPatternError(first.reason, first.path) from None
        try:
            branches = _Compiler(or_keyword=False).compile(pattern)
        except _Reject:
            raise InvalidEventPatternError(first.reason, first.path) from None
    for branch in branches:
        if len(branch) > MAX_FIELDS_PER_BRANCH:
            raise InvalidEventPatternError(
                f"A pattern may test at most {MAX_FIELDS_PER_BRANCH} fields, this one tests "
                f"{len(branch)}",
                ROOT_PATH,
            )
    return branches


def _uses_or(value: Any) -> bool:
    if isinstance(value, JsonObject):
        return any(key == OR or _uses_or(item) for key, item in value)
    if isinstance(value, list):
        return any(_uses_or(item) for item in value)
    return False


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Compiler:
    """One pass over a pattern; ``or_keyword=False`` is event-ruler's legacy compiler."""

    def __init__(self, *, or_keyword: bool) -> None:
        self.or_keyword = or_keyword

    def compile(self, pattern: Any) -> list[Branch]:
        if not isinstance(pattern, JsonObject):
            raise _Reject("Filter is not an object", ROOT_PATH)
        branches: list[Branch] = []
        self._object(branches, (), pattern, "", in_or=False)
        return branches

    def _object(
        self,
        branches: list[Branch],
        names: tuple[str, ...],
        obj: JsonObject,
        where: str,
        *,
        in_or: bool,
    ) -> None:
        if not obj.pairs:
            raise _Reject("Empty objects are not allowed", where or ROOT_PATH)
        for key, value in obj:
            if not isinstance(key, str):
                raise _Reject(f"Field names must be strings, not {key!r}", where or ROOT_PATH)
            here = _join(where, key)
            if key == OR and self.or_keyword:
                self._or(branches, names, value, here)
                continue
            if in_or and key in _RESERVED_IN_OR:
                raise _Reject(
                    f"{key} is Ruler reserved fieldName which cannot be used inside {OR}.", here
                )
            if isinstance(value, JsonObject):
                self._object(branches, (*names, key), value, here, in_or=in_or)
            elif isinstance(value, list):
                self._field(branches, ".".join((*names, key)), value, here)
            else:
                raise _Reject(f'"{key}" must be an object or an array', here)

    def _or(self, branches: list[Branch], names: tuple[str, ...], value: Any, where: str) -> None:
        before = [dict(branch) for branch in branches]
        branches.clear()
        if not isinstance(value, list):
            raise _Reject(f"It must be an Array followed with {OR}.", where)
        for index, item in enumerate(value):
            here = f"{where}[{index}]"
            if not isinstance(item, JsonObject):
                raise _Reject(f"Only JSON object is allowed in array of {OR} relationship.", here)
            forked = [dict(branch) for branch in before] or [{}]
            self._object(forked, names, item, here, in_or=True)
            branches.extend(forked)
            if len(branches) > MAX_BRANCHES:
                raise _Reject(
                    f"The {OR} combinations of this pattern exceed {MAX_BRANCHES} branches", where
                )
        if len(value) < 2:  # noqa: PLR2004 - an $or needs two alternatives
            raise _Reject(f"There must have at least 2 Objects in {OR} relationship.", where)

    def _field(self, branches: list[Branch], name: str, values: list[Any], where: str) -> None:
        conditions: list[Condition] = []
        for value in values:
            conditions.extend(self._value(value, where))
        if not conditions:
            raise _Reject("Empty arrays are not allowed", where)
        if not branches:
            branches.append({})
        frozen = tuple(conditions)
        for branch in branches:
            branch[name] = frozen

    def _value(self, value: Any, where: str) -> list[Condition]:
        """The conditions one entry of a field's value list stands for."""
        if isinstance(value, JsonObject):
            return [self._expression(value, where)]
        if isinstance(value, str):
            address = ip_literal_range(value)
            if address is not None:
                return [Condition(Kind.IP_RANGE, address)]
            return [Condition(Kind.EXACT, value)]
        if isinstance(value, JsonNumber):
            spelling = Condition(Kind.LITERAL, value.text)
            comparable = comparable_from_text(value.text)
            if comparable is None:
                return [spelling]
            return [Condition(Kind.NUMERIC_EQUALS, comparable), spelling]
        if value is None or isinstance(value, bool):
            return [Condition(Kind.LITERAL, _literal(value))]
        raise _Reject("Match value must be String, number, true, false, or null", where)

    def _expression(self, obj: JsonObject, where: str) -> Condition:
        if not obj.pairs:
            raise _Reject("Match expression name not found", where)
        (operator, operand), rest = obj.pairs[0], obj.pairs[1:]
        handler = _EXPRESSIONS.get(operator) if isinstance(operator, str) else None
        if handler is None:
            raise _Reject(f"Unrecognized match type {operator}", where)
        return handler(self, operand, rest, where)

    def _exactly(self, operand: Any, rest: list[Any], where: str) -> Condition:
        _string(operand, "exact match pattern must be a string", where)
        _one_key(rest, where)
        return Condition(Kind.EXACT, operand)

    def _prefix(self, operand: Any, rest: list[Any], where: str) -> Condition:
        return self._affix(operand, rest, where, "prefix")

    def _suffix(self, operand: Any, rest: list[Any], where: str) -> Condition:
        return self._affix(operand, rest, where, "suffix")

    def _affix(self, operand: Any, rest: list[Any], where: str, side: str) -> Condition:
        if isinstance(operand, JsonObject):
            if not operand.pairs:
                raise _Reject(f"{side.capitalize()} expression name not found", where)
            (inner, text), inner_rest = operand.pairs[0], operand.pairs[1:]
            if inner != "equals-ignore-case":
                raise _Reject(f"Unsupported {side} pattern: {inner}", where)
            _string(text, "equals-ignore-case match pattern must be a string", where)
            _one_key(inner_rest, where)
            _one_key(rest, where)
            kind = Kind.PREFIX_IGNORE_CASE if side == "prefix" else Kind.SUFFIX_IGNORE_CASE
            return Condition(kind, text)
        _string(operand, f"{side} match pattern must be a string", where)
        _one_key(rest, where)
        return Condition(Kind.PREFIX if side == "prefix" else Kind.SUFFIX, operand)

    def _equals_ignore_case(self, operand: Any, rest: list[Any], where: str) -> Condition:
        _string(operand, "equals-ignore-case match pattern must be a string", where)
        _one_key(rest, where)
        return Condition(Kind.EQUALS_IGNORE_CASE, operand)

    def _wildcard(self, operand: Any, rest: list[Any], where: str) -> Condition:
        _string(operand, "wildcard match pattern must be a string", where)
        _check_wildcard(operand, where)
        _one_key(rest, where)
        return Condition(Kind.WILDCARD, operand)

    def _exists(self, operand: Any, rest: list[Any], where: str) -> Condition:
        if not isinstance(operand, bool):
            raise _Reject("exists match pattern must be either true or false.", where)
        _one_key(rest, where)
        return Condition(Kind.EXISTS if operand else Kind.ABSENT)

    def _cidr(self, operand: Any, rest: list[Any], where: str) -> Condition:
        _string(operand, "prefix match pattern must be a string", where)  # event-ruler says prefix
        try:
            block = parse_cidr(operand)
        except CidrError as error:
            raise _Reject(str(error), where, hard=True) from None
        _one_key(rest, where)
        return Condition(Kind.IP_RANGE, block)

    def _numeric(self, operand: Any, rest: list[Any], where: str) -> Condition:
        if not isinstance(operand, list):
            raise _Reject("Value of numeric must be an array.", where)
        condition = _numeric_terms(operand, where)
        if rest:
            raise _Reject("Too many elements in numeric expression", where)
        return condition

    def _anything_but(self, operand: Any, rest: list[Any], where: str) -> Condition:
        inner_rest: list[Any] = []
        kind = Kind.ANYTHING_BUT
        if isinstance(operand, JsonObject):
            if not operand.pairs:
                raise _Reject("Anything-But expression name not found", where)
            (inner, operand), inner_rest = operand.pairs[0], operand.pairs[1:]
            kinds = _ANYTHING_BUT_KINDS if self.or_keyword else _LEGACY_ANYTHING_BUT_KINDS
            if inner not in kinds:
                raise _Reject(f"Unsupported anything-but pattern: {inner}", where)
            kind = kinds[inner]
        if not isinstance(operand, list | str | JsonNumber):
            raise _Reject(
                "Value of anything-but must be an array or single string/number value.", where
            )
        if kind is Kind.ANYTHING_BUT:
            condition = _anything_but_values(operand, where)
        else:
            if (
                isinstance(operand, list)
                and not self.or_keyword
                and kind is not Kind.ANYTHING_BUT_IGNORE_CASE
            ):
                raise _Reject(_ANYTHING_BUT_TYPE_ERRORS[kind], where)
            condition = _anything_but_set(kind, operand, where)
        if inner_rest or rest:
            raise _Reject("Too many elements in numeric expression", where)
        return condition


_ExpressionHandler = Callable[["_Compiler", Any, list[Any], str], Condition]
_EXPRESSIONS: Final[dict[str, _ExpressionHandler]] = {
    "exactly": _Compiler._exactly,  # noqa: SLF001
    "prefix": _Compiler._prefix,  # noqa: SLF001
    "suffix": _Compiler._suffix,  # noqa: SLF001
    "equals-ignore-case": _Compiler._equals_ignore_case,  # noqa: SLF001
    "wildcard": _Compiler._wildcard,  # noqa: SLF001
    "exists": _Compiler._exists,  # noqa: SLF001
    "cidr": _Compiler._cidr,  # noqa: SLF001
    "numeric": _Compiler._numeric,  # noqa: SLF001
    "anything-but": _Compiler._anything_but,  # noqa: SLF001
}

_ANYTHING_BUT_KINDS: Final = {
    "equals-ignore-case": Kind.ANYTHING_BUT_IGNORE_CASE,
    "prefix": Kind.ANYTHING_BUT_PREFIX,
    "suffix": Kind.ANYTHING_BUT_SUFFIX,
    "wildcard": Kind.ANYTHING_BUT_WILDCARD,
}
_LEGACY_ANYTHING_BUT_KINDS: Final = {
    key: kind for key, kind in _ANYTHING_BUT_KINDS.items() if kind is not Kind.ANYTHING_BUT_WILDCARD
}
_ANYTHING_BUT_TYPE_ERRORS: Final = {
    Kind.ANYTHING_BUT_IGNORE_CASE: (
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
    ),
    Kind.ANYTHING_BUT_PREFIX: "prefix/suffix match pattern must be a string",
    Kind.ANYTHING_BUT_SUFFIX: "prefix/suffix match pattern must be a string",
    Kind.ANYTHING_BUT_WILDCARD: "wildcard match pattern must be a string",
}


def _literal(value: bool | None) -> str:  # noqa: FBT001 - a JSON literal, not a flag
    if value is None:
        return "null"
    return "true" if value else "false"


def _string(value: Any, reason: str, where: str) -> None:
    if not isinstance(value, str):
        raise _Reject(reason, where)


def _one_key(rest: list[Any], where: str) -> None:
    if rest:
        raise _Reject("Only one key allowed in match expression", where)


def _check_wildcard(text: str, where: str) -> None:
    try:
        parse_wildcard(text)
    except WildcardError as error:
        raise _Reject(str(error), where) from None


def _number(value: Any, where: str, *, hard: bool = False) -> float:
    try:
        return float(decimal_or_raise(value.text))
    except NumberError as error:
        raise _Reject(str(error), where, hard=hard) from None


def _token_text(terms: list[Any], index: int) -> str:
    if index >= len(terms):
        return "]"
    term = terms[index]
    if isinstance(term, JsonNumber):
        return term.text
    if isinstance(term, JsonObject):
        return "{"
    if isinstance(term, list):
        return "["
    return _literal(term) if term is None or isinstance(term, bool) else str(term)


def _numeric_operand(terms: list[Any], index: int, operator: str, where: str) -> float:
    if index >= len(terms) or not isinstance(terms[index], JsonNumber):
        name = "equals" if operator == "=" else operator
        raise _Reject(f"Value of {name} must be numeric", where)
    return _number(terms[index], where)


def _numeric_terms(terms: list[Any], where: str) -> Condition:
    if not terms or not isinstance(terms[0], str):
        raise _Reject(f"Invalid member in numeric match: {_token_text(terms, 0)}", where)
    operator = terms[0]
    if operator in {">", ">="}:
        return _numeric_from_below(terms, where)
    if operator not in {"=", "<", "<="}:
        raise _Reject(f"Unrecognized numeric range operator: {operator}", where)
    value = _numeric_operand(terms, 1, operator, where)
    if len(terms) > 2:  # noqa: PLR2004 - operator and operand
        raise _Reject("Too many elements in numeric expression", where)
    if operator == "=":
        return Condition(Kind.NUMERIC_EQUALS, value)
    return Condition(Kind.NUMERIC_RANGE, (None, False, value, operator == "<"))


def _numeric_from_below(terms: list[Any], where: str) -> Condition:
    """``[">", low]``, ``[">=", low]``, optionally followed by ``"<"``/``"<="`` and a top."""
    operator = terms[0]
    low = _numeric_operand(terms, 1, operator, where)
    if len(terms) == 2:  # noqa: PLR2004 - operator and operand
        return Condition(Kind.NUMERIC_RANGE, (low, operator == ">", None, False))
    second = terms[2]
    if not isinstance(second, str):
        raise _Reject(f"Bad value in numeric range: {_token_text(terms, 2)}", where)
    if second not in {"<", "<="}:
        raise _Reject(f"Bad numeric range operator: {second}", where)
    high = _numeric_operand(terms, 3, second, where)
    if len(terms) > 4:  # noqa: PLR2004 - two operators and two operands
        raise _Reject("Too many terms in numeric range expression", where)
    if low >= high:
        raise _Reject("Bottom must be less than top", where)
    return Condition(Kind.NUMERIC_RANGE, (low, operator == ">", high, second == "<"))


def _anything_but_values(operand: Any, where: str) -> Condition:
    if isinstance(operand, str):
        return Condition(Kind.ANYTHING_BUT, frozenset({operand}))
    if isinstance(operand, JsonNumber):
        return Condition(Kind.ANYTHING_BUT_NUMERIC, frozenset({_number(operand, where, hard=True)}))
    strings: set[str] = set()
    numbers: set[float] = set()
    for item in operand:
        if isinstance(item, str):
            strings.add(item)
        elif isinstance(item, JsonNumber):
            numbers.add(_number(item, where))
        else:
            raise _Reject("Inside anything but list, start|null|boolean is not supported.", where)
    if bool(strings) == bool(numbers):
        raise _Reject(
            "Inside anything but list, either all values are number or string, "
            "mixed type is not supported",
            where,
        )
    if numbers:
        return Condition(Kind.ANYTHING_BUT_NUMERIC, frozenset(numbers))
    return Condition(Kind.ANYTHING_BUT, frozenset(strings))


def _anything_but_set(kind: Kind, operand: Any, where: str) -> Condition:
    items = operand if isinstance(operand, list) else [operand]
    values: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise _Reject(_ANYTHING_BUT_TYPE_ERRORS[kind], where)
        if not item and kind in {Kind.ANYTHING_BUT_PREFIX, Kind.ANYTHING_BUT_SUFFIX}:
            raise _Reject("Null prefix/suffix not allowed", where)
        if kind is Kind.ANYTHING_BUT_WILDCARD:
            _check_wildcard(item, where)
        if item not in values:
            values.append(item)
    return Condition(kind, tuple(values))
