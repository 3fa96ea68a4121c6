"""Choice rules in the JSONPath query language: every comparison operator, its ``Path`` form,
the type tests (IsNull, IsPresent, IsNumeric, IsString, IsBoolean, IsTimestamp) and And/Or/Not.

A comparison whose variable holds a value of another type is false, as in Step Functions; a
variable path that matches nothing is a ``States.Runtime`` error, except under ``IsPresent``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ordermesh_platform.sfn.errors import StatesError

Resolver = Callable[
    [str], Any
]  # a path ($..., $$..., $var...) -> its value; raises PathMissingError


class PathMissingError(LookupError):
    """A path that matches nothing."""


_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def parse_timestamp(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as Step Functions accepts it, or None."""
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return None
    try:
        return datetime.fromisoformat(value)  # 3.11+ reads the Z suffix
    except ValueError:
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _string_matches(value: str, pattern: str) -> bool:
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "*" else re.escape(char))
        index += 1
    return re.fullmatch("".join(parts), value, re.DOTALL) is not None


def _compare(kind: str, relation: str, left: Any, right: Any) -> bool:
    if kind == "String":
        if not isinstance(left, str) or not isinstance(right, str):
            return False
        if relation == "Matches":
            return _string_matches(left, right)
    elif kind == "Numeric":
        if not _is_number(left) or not _is_number(right):
            return False
    elif kind == "Boolean":
        if not isinstance(left, bool) or not isinstance(right, bool):
            return False
    else:  # Timestamp
        left, right = parse_timestamp(left), parse_timestamp(right)
        if left is None or right is None:
            return False
    outcome: bool = {
        "Equals": left == right,
        "LessThan": left < right,
        "GreaterThan": left > right,
        "LessThanEquals": left <= right,
        "GreaterThanEquals": left >= right,
    }[relation]
    return outcome


_COMPARISON = re.compile(
    r"^(String|Numeric|Boolean|Timestamp)"
    r"(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals|Matches)(Path)?$"
)
_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": lambda v: isinstance(v, str),
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: parse_timestamp(v) is not None,
}


def evaluate_rule(rule: Mapping[str, Any], resolve: Resolver) -> bool:  # noqa: PLR0911
    """Does the choice rule (or a nested boolean expression) hold?"""
    if "And" in rule:
        return all(evaluate_rule(r, resolve) for r in rule["And"])
    if "Or" in rule:
        return any(evaluate_rule(r, resolve) for r in rule["Or"])
    if "Not" in rule:
        return not evaluate_rule(rule["Not"], resolve)
    variable = rule["Variable"]
    if "IsPresent" in rule:
        try:
            resolve(variable)
        except PathMissingError:
            return rule["IsPresent"] is False
        return rule["IsPresent"] is True
    value = _lookup(resolve, variable)
    for operator, operand in rule.items():
        if operator in _TYPE_TESTS:
            return _TYPE_TESTS[operator](value) is operand
        match = _COMPARISON.match(operator)
        if match is None:
            continue
        kind, relation, by_path = match.groups()
        expected = _lookup(resolve, operand) if by_path else operand
        return _compare(kind, relation, value, expected)
    raise StatesError("States.Runtime", f"The choice rule {dict(rule)!r} has no comparison")


def _lookup(resolve: Resolver, path: str) -> Any:
    try:
        return resolve(path)
    except PathMissingError:
        raise StatesError(
            "States.Runtime",
            f"Invalid path '{path}': "
            "The choice state's condition path references an invalid value.",
        ) from None
