"""Whether SNS delivers a message to a subscription with a filter policy.

A message is seen as properties (dotted paths) with their values:

- ``MessageAttributes`` scope: each attribute by name. A ``String`` attribute is its string, a
  ``Number`` attribute its number (compared by value, so ``3.015e2`` is ``301.5``), a
  ``String.Array`` attribute every element of its JSON array (strings, numbers, booleans, null),
  a ``Binary`` attribute no value at all (SNS compares policies with the other types only; the
  key is still there for ``exists``). A custom type (``Number.float``) is its base type.
- ``MessageBody`` scope: the body must be a JSON object, or nothing matches. Every leaf value is
  under the path of keys leading to it joined by dots, so ``{"a": {"b.c": 1}}``,
  ``{"a.b": {"c": 1}}`` and ``{"a.b.c": 1}`` all have ``a.b.c`` = 1; arrays (nested ones too)
  give their path several values.

A branch of the policy matches when each of its properties has a value passing one of its tests
(the values of one array need not come from the same element). ``exists: true`` needs the
property with a non-null value; ``exists: false`` matches its absence, but, with attributes,
only when the message has at least one attribute.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ordermesh_platform.sns.conditions import Exists, Value

if TYPE_CHECKING:
    from ordermesh_platform.sns.filter_policy import FilterPolicy, Leaf

Properties = dict[str, list[Value]]


class MessageView:
    """One published message as both scopes see it, each read once however many
    subscriptions look at it."""

    def __init__(self, message: str, attributes: Mapping[str, Mapping[str, Any]]) -> None:
        self.message = message
        self.attributes = attributes

    @cached_property
    def attribute_properties(self) -> Properties:
        return {name: attribute_values(value) for name, value in self.attributes.items()}

    @cached_property
    def body_properties(self) -> Properties | None:
        """The body's properties, or None when the body is not a JSON object."""
        try:
            body = json.loads(self.message, parse_float=Decimal, parse_int=Decimal)
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        found: Properties = {}
        _flatten(body, "", found)
        return found


def attribute_values(attribute: Mapping[str, Any]) -> list[Value]:
    """The values a filter policy sees in one message attribute."""
    data_type = str(attribute.get("DataType", ""))
    text = attribute.get("StringValue")
    if not isinstance(text, str):
        return []
    if data_type == "String.Array" or data_type.startswith("String.Array."):
        return _array_values(text)
    base = data_type.partition(".")[0]
    if base == "String":
        return [text]
    if base == "Number":
        number = number_value(text)
        return [] if number is None else [number]
    return []


def number_value(text: str) -> Decimal | None:
    """A Number attribute's value, or None if it does not spell a finite number."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _array_values(text: str) -> list[Value]:
    try:
        items = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    found: Properties = {}
    _flatten(items, "", found)
    return found.get("", [])


def _flatten(node: Any, path: str, found: Properties) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(value, f"{path}.{key}" if path else key, found)
    elif isinstance(node, list):
        for item in node:
            _flatten(item, path, found)
    else:
        found.setdefault(path, []).append(node)


def policy_matches(
    policy: FilterPolicy, message: str | MessageView, attributes: Mapping[str, Any] | None = None
) -> bool:
    """Whether the policy accepts the message (a view, or its body and attributes)."""
    view = message if isinstance(message, MessageView) else MessageView(message, attributes or {})
    if not any(policy.branches):
        return True  # a policy without properties filters nothing
    if policy.scope == "MessageAttributes":
        properties = view.attribute_properties
        present: set[str] = set(properties)
        absent_needs_any = True
    else:
        body = view.body_properties
        if body is None:
            return False
        properties = body
        present = {path for path, values in body.items() if any(v is not None for v in values)}
        absent_needs_any = False
    return any(
        all(
            _leaf_matches(leaf, properties, present, absent_needs_any=absent_needs_any)
            for leaf in branch
        )
        for branch in policy.branches
    )


def _leaf_matches(
    leaf: Leaf, properties: Properties, present: set[str], *, absent_needs_any: bool
) -> bool:
    path, conditions = leaf
    values = properties.get(path, ())
    for condition in conditions:
        if isinstance(condition, Exists):
            there = path in present
            if condition.expected and there:
                return True
            if not condition.expected and not there and (properties or not absent_needs_any):
                return True
        elif any(condition.test(value) for value in values):
            return True
    return False
