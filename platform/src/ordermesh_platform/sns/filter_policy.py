"""SNS subscription filter policies: read and check one as SNS does, into a :class:`FilterPolicy`.

SNS's checks, in its order: the JSON text (at most 256 KB, an object), at most 5 top-level keys,
the shape (every property an array of match values or, with the ``MessageBody`` scope only, an
object of nested properties; no empty array), at most 150 combinations, then each match value:
a string, a number, ``true``/``false``/``null``, or one operator object (``prefix``, ``suffix``,
``equals-ignore-case``, ``anything-but`` (a value, an array of values or ``{"prefix": ...}``),
``numeric``, ``exists``, ``cidr``). The reasons are SNS's own texts; ``InvalidFilterPolicyError``
adds where in the policy the problem is.

Combinations: each array counts its length times its nesting depth (a property of a nested
object at depth 2 counts twice its values), the properties of an object multiply, and the
branches of ``$or`` add up. ``$or`` is the OR operator when its value is an array of at least two
objects; where that reading is not a valid policy, ``$or`` is an ordinary property name, as SNS
says it treats it.

How SNS differs from EventBridge patterns (``ordermesh_platform.patterns``): the limits (5 keys
and 150 combinations, not the pattern's length and field count), no ``wildcard`` and no
``anything-but`` other than a value, values or a prefix, the MessageAttributes scope with its
typed attributes, and a key with dots in it naming a nested property.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from ordermesh_platform.patterns import CidrError, parse_cidr
from ordermesh_platform.sns.conditions import (
    AnythingBut,
    AnythingButPrefix,
    Cidr,
    Condition,
    EqualsIgnoreCase,
    Exact,
    Exists,
    Numeric,
    Prefix,
    Suffix,
)

if TYPE_CHECKING:
    from ordermesh_platform.sns.matching import MessageView

Scope = Literal["MessageAttributes", "MessageBody"]
SCOPES: tuple[Scope, ...] = ("MessageAttributes", "MessageBody")
Action = Literal["Subscribe", "SetSubscriptionAttributes"]

MAX_KEYS = 5
MAX_COMBINATIONS = 150
MAX_POLICY_BYTES = 256 * 1024
OR = "$or"
_MIN_OR_BRANCHES = 2

Leaf = tuple[str, tuple[Condition, ...]]  # a property's dotted path and its tests (any of them)
Branch = tuple[Leaf, ...]  # every leaf must match


class InvalidFilterPolicyError(ValueError):
    """A filter policy (or scope) SNS rejects with ``InvalidParameter``.

    ``reason`` is SNS's text; ``path`` says where in the policy (dotted properties, ``$or``
    branches by index; None for the policy as a whole); ``field`` is the subscription attribute
    (``FilterPolicy`` or ``FilterPolicyScope``).
    """

    code = "InvalidParameter"

    def __init__(self, reason: str, path: str | None = None, field: str = "FilterPolicy") -> None:
        self.reason = reason
        self.path = path
        self.field = field
        where = f" (at {path})" if path else ""
        super().__init__(f"{field}: {reason}{where}")

    def aws_message(self, action: Action = "SetSubscriptionAttributes") -> str:
        """The message SNS returns for the action (without its parser position)."""
        prefix = "Attributes Reason: " if action == "Subscribe" else ""
        return f"Invalid parameter: {prefix}{self.field}: {self.reason}"


def check_scope(scope: str) -> Scope:
    """The scope, or the error SNS gives for any other value."""
    if scope == "MessageAttributes":
        return "MessageAttributes"
    if scope == "MessageBody":
        return "MessageBody"
    reason = f"Invalid value [{scope}]. Please use either MessageBody or MessageAttributes"
    raise InvalidFilterPolicyError(reason, field="FilterPolicyScope")


@dataclass(frozen=True)
class FilterPolicy:
    """A checked filter policy: its branches (any may match) of leaves (all must match)."""

    scope: Scope
    branches: tuple[Branch, ...]
    text: str
    combinations: int

    def matches(self, message: str, attributes: Mapping[str, Mapping[str, Any]]) -> bool:
        """Whether SNS delivers a message with this body and these MessageAttributes."""
        from ordermesh_platform.sns.matching import policy_matches

        return policy_matches(self, message, attributes)

    def matches_view(self, view: MessageView) -> bool:
        """Whether SNS delivers the message this view reads (read once for many policies)."""
        from ordermesh_platform.sns.matching import policy_matches

        return policy_matches(self, view)


def compile_filter_policy(
    policy: str | Mapping[str, Any], scope: str = "MessageAttributes"
) -> FilterPolicy:
    """Check a filter policy (JSON text or a mapping) for its scope as SNS does."""
    checked_scope = check_scope(scope)
    text = policy if isinstance(policy, str) else json.dumps(policy)
    document = _parse(text)
    if len(document) > MAX_KEYS:
        raise InvalidFilterPolicyError(f"Filter policy can not have more than {MAX_KEYS} keys")
    try:
        return _compile(document, checked_scope, text, or_keyword=True)
    except InvalidFilterPolicyError as first:
        if not _uses_or(document):
            raise
        try:  # "$or" read as an ordinary property name
            return _compile(document, checked_scope, text, or_keyword=False)
        except InvalidFilterPolicyError:
            raise first from None


def _parse(text: str) -> dict[str, Any]:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_POLICY_BYTES:
        reason = f"Filter policy is too long: at most {MAX_POLICY_BYTES // 1024} KB"
        raise InvalidFilterPolicyError(reason)
    try:
        document = json.loads(
            text, parse_float=Decimal, parse_int=Decimal, parse_constant=_no_constant
        )
    except ValueError as exc:
        reason = f"failed to parse JSON: {getattr(exc, 'msg', exc)}"
        raise InvalidFilterPolicyError(reason) from None
    if not isinstance(document, dict):
        raise InvalidFilterPolicyError("Filter policy must be a JSON object")
    return document


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _uses_or(value: Any) -> bool:
    if isinstance(value, dict):
        return any(key == OR or _uses_or(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_uses_or(item) for item in value)
    return False


def _compile(
    document: dict[str, Any], scope: Scope, text: str, *, or_keyword: bool
) -> FilterPolicy:
    shape = _Shape(scope, or_keyword=or_keyword)
    raw_branches, combinations = shape.walk(document, depth=1, prefix="", where="")
    if combinations > MAX_COMBINATIONS:
        raise InvalidFilterPolicyError("Filter policy is too complex")
    branches = tuple(
        tuple((path, _conditions(values, where)) for path, values, where in branch)
        for branch in raw_branches
    )
    return FilterPolicy(scope, branches, text, combinations)


_RawLeaf = tuple[str, list[Any], str]  # path, the array as written, where it is (for errors)


class _Shape:
    """The policy's structure: its branches of arrays and its number of combinations."""

    def __init__(self, scope: Scope, *, or_keyword: bool) -> None:
        self.scope = scope
        self.or_keyword = or_keyword

    def walk(
        self, node: dict[str, Any], *, depth: int, prefix: str, where: str
    ) -> tuple[list[list[_RawLeaf]], int]:
        branches: list[list[_RawLeaf]] = [[]]
        combinations = 1
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            at = f"{where}.{key}" if where else key
            if self.or_keyword and key == OR and _is_or(value):
                alternatives = [
                    self.walk(item, depth=depth, prefix=prefix, where=f"{at}[{index}]")
                    for index, item in enumerate(value)
                ]
                branches = [
                    [*branch, *choice]
                    for branch in branches
                    for found, _ in alternatives
                    for choice in found
                ]
                combinations *= sum(count for _, count in alternatives)
            elif isinstance(value, dict):
                found, count = self.walk(value, depth=depth + 1, prefix=path, where=at)
                branches = [[*branch, *choice] for branch in branches for choice in found]
                combinations *= count
            elif isinstance(value, list):
                if not value:
                    raise InvalidFilterPolicyError("Empty arrays are not allowed", at)
                branches = [[*branch, (path, value, at)] for branch in branches]
                combinations *= len(value) * depth
            else:
                raise InvalidFilterPolicyError(f'"{key}" must be an object or an array', at)
        if self.scope == "MessageAttributes" and depth > 1:
            reason = "Filter policy scope MessageAttributes does not support nested filter policy"
            raise InvalidFilterPolicyError(reason, where)
        return branches, combinations


def _is_or(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= _MIN_OR_BRANCHES
        and all(isinstance(item, dict) for item in value)
    )


def _conditions(values: list[Any], where: str) -> tuple[Condition, ...]:
    return tuple(_condition(value, f"{where}[{index}]") for index, value in enumerate(values))


def _condition(value: Any, where: str) -> Condition:
    if value is None or isinstance(value, str | bool | Decimal):
        return Exact(value)
    if not isinstance(value, dict):
        reason = "Match value must be String, number, true, false, or null"
        raise InvalidFilterPolicyError(reason, where)
    if len(value) != 1:
        raise InvalidFilterPolicyError("Only one key allowed in match expression", where)
    ((operator, operand),) = value.items()
    at = f"{where}.{operator}"
    compiler = _OPERATORS.get(operator)
    if compiler is None:
        raise InvalidFilterPolicyError(f"Unrecognized match type {operator}", at)
    return compiler(operand, at)


def _string(operator: str, operand: Any, where: str) -> str:
    if not isinstance(operand, str):
        raise InvalidFilterPolicyError(f"{operator} match pattern must be a string", where)
    return operand


def _anything_but(operand: Any, where: str) -> Condition:
    if isinstance(operand, str | Decimal):
        return AnythingBut((operand,))
    if isinstance(operand, list):
        if not operand:
            raise InvalidFilterPolicyError("Empty arrays are not allowed", where)
        for index, item in enumerate(operand):
            if isinstance(item, bool) or not isinstance(item, str | Decimal):
                reason = "Inside anything but list, start|null|boolean is not supported."
                raise InvalidFilterPolicyError(reason, f"{where}[{index}]")
        return AnythingBut(tuple(operand))
    if isinstance(operand, dict):
        for key in operand:
            if key != "prefix":
                raise InvalidFilterPolicyError(f"Unsupported anything-but pattern: {key}", where)
        if not operand:
            raise InvalidFilterPolicyError("Unsupported anything-but pattern: {}", where)
        return AnythingButPrefix(_string("prefix", operand["prefix"], f"{where}.prefix"))
    reason = "Value of anything-but must be an array or single string/number value."
    raise InvalidFilterPolicyError(reason, where)


def _exists(operand: Any, where: str) -> Condition:
    if not isinstance(operand, bool):
        reason = "exists match pattern must be either true or false."
        raise InvalidFilterPolicyError(reason, where)
    return Exists(operand)


def _cidr(operand: Any, where: str) -> Condition:
    if not isinstance(operand, str):  # SNS names prefix here, as recorded
        raise InvalidFilterPolicyError("prefix match pattern must be a string", where)
    try:
        return Cidr(parse_cidr(operand))
    except CidrError as exc:
        raise InvalidFilterPolicyError(str(exc), where) from None


_LOWER = (">", ">=")
_UPPER = ("<", "<=")
_NUMERIC_OPERATORS = ("=", *_LOWER, *_UPPER)


def _numeric(operand: Any, where: str) -> Condition:
    """``[op, n]`` or ``[">"|">=", low, "<"|"<=", high]``, with SNS's reasons in its order."""
    if not isinstance(operand, list):
        raise InvalidFilterPolicyError("Value of numeric must be an array.", where)
    if not operand:
        raise InvalidFilterPolicyError("Invalid member in numeric match: ]", where)
    first = _numeric_operator(operand, 0, where, bad="Invalid member in numeric match")
    low = _numeric_value(operand, 1, first, where)
    if len(operand) == 2:  # noqa: PLR2004 - one operator and its value
        if first == "=":
            return Numeric(equals=low)
        if first in _LOWER:
            return Numeric(lower=low, lower_inclusive=first == ">=")
        return Numeric(upper=low, upper_inclusive=first == "<=")
    if first not in _LOWER:
        raise InvalidFilterPolicyError("Too many elements in numeric expression", where)
    return _numeric_range(operand, first, low, where)


def _numeric_range(terms: list[Any], first: str, low: Decimal, where: str) -> Condition:
    second = terms[2]
    if not isinstance(second, str):
        raise InvalidFilterPolicyError(f"Bad value in numeric range: {_text(second)}", where)
    if second not in _UPPER:
        raise InvalidFilterPolicyError(f"Bad numeric range operator: {second}", where)
    high = _numeric_value(terms, 3, second, where)
    if high <= low:
        raise InvalidFilterPolicyError("Bottom must be less than top", where)
    if len(terms) > 4:  # noqa: PLR2004 - a range has two operators and two values
        raise InvalidFilterPolicyError("Too many terms in numeric range expression", where)
    return Numeric(
        lower=low, lower_inclusive=first == ">=", upper=high, upper_inclusive=second == "<="
    )


def _numeric_operator(terms: list[Any], index: int, where: str, *, bad: str) -> str:
    term = terms[index]
    if not isinstance(term, str):
        raise InvalidFilterPolicyError(f"{bad}: {_text(term)}", where)
    if term not in _NUMERIC_OPERATORS:
        raise InvalidFilterPolicyError(f"Unrecognized numeric range operator: {term}", where)
    return term


def _numeric_value(terms: list[Any], index: int, operator: str, where: str) -> Decimal:
    value = terms[index] if index < len(terms) else None
    if not isinstance(value, Decimal):
        name = "equals" if operator == "=" else operator
        raise InvalidFilterPolicyError(f"Value of {name} must be numeric", where)
    return value


def _text(value: Any) -> str:
    return str(value) if isinstance(value, Decimal) else json.dumps(value)


_OPERATORS: dict[str, Callable[[Any, str], Condition]] = {
    "prefix": lambda operand, where: Prefix(_string("prefix", operand, where)),
    "suffix": lambda operand, where: Suffix(_string("suffix", operand, where)),
    "equals-ignore-case": lambda operand, where: EqualsIgnoreCase(
        _string("equals-ignore-case", operand, where)
    ),
    "anything-but": _anything_but,
    "exists": _exists,
    "numeric": _numeric,
    "cidr": _cidr,
}
