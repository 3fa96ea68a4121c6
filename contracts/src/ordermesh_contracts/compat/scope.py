"""A schema's constraints as plain data with its references replaced by what they point to.

Two schemas whose expansions are equal accept the same documents and evaluate the same members
(annotations and unknown keywords are left out; a reference that comes back to a schema being
expanded is written as how many references back it points, so equal text means equal unfolded
schemas). Used to tell whether what decides the scope of unevaluated* changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ordermesh_contracts.compat.facts import canonical
from ordermesh_contracts.compat.keywords import is_constraint
from ordermesh_contracts.compat.refs import Node, follow

_SCHEMA = frozenset(
    {
        "not",
        "additionalProperties",
        "additionalItems",
        "unevaluatedProperties",
        "unevaluatedItems",
        "contains",
        "if",
        "then",
        "else",
        "propertyNames",
        "items",
    }
)
_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems", "items"})
_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "dependencies"})
_BUDGET = 4000  # schema objects expanded at most
_MAX_DEPTH = 100


class _TooLargeError(Exception):
    pass


@dataclass
class _Expansion:
    left: int = _BUDGET
    trail: list[tuple[int, int]] = field(default_factory=list)

    def schema(self, node: Node, depth: int) -> Any:
        self.left -= 1
        if self.left < 0 or depth > _MAX_DEPTH:
            raise _TooLargeError
        value = node.value
        if not isinstance(value, Mapping):
            return value
        found: dict[str, Any] = {}
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                found[key] = self._reference(node, item, depth)
            elif is_constraint(key):
                found[key] = self._keyword(node, (key, item), depth + 1)
        return found

    def _keyword(self, node: Node, keyword: tuple[str, Any], depth: int) -> Any:
        key, item = keyword
        if key in _MAPS and isinstance(item, Mapping):
            return {str(name): self.schema(node.child(sub), depth) for name, sub in item.items()}
        if key in _LISTS and isinstance(item, list):
            return [self.schema(node.child(sub), depth) for sub in item]
        if key in _SCHEMA:
            return self.schema(node.child(item), depth)
        return item

    def _reference(self, node: Node, ref: str, depth: int) -> Any:
        target = follow(node, ref)
        if target is None:
            return {"unresolved": ref}
        key = (id(target.root), id(target.value))
        if key in self.trail:
            return {"back": len(self.trail) - self.trail.index(key)}
        self.trail.append(key)
        try:
            return self.schema(target, depth + 1)
        finally:
            self.trail.pop()


def same_keywords(old: Node, new: Node, keywords: tuple[str, ...]) -> bool:
    """Whether the keywords (those of them present) are the same on both sides, references
    followed. False when that is too large to tell."""
    before = expanded(old, {key: old.value[key] for key in keywords if key in old.value})
    after = expanded(new, {key: new.value[key] for key in keywords if key in new.value})
    return before is not None and canonical(before) == canonical(after)


def expanded(node: Node, keywords: Mapping[str, Any]) -> Any | None:
    """``keywords`` (taken from node's schema) expanded; None when that is too large to do."""
    try:
        return _Expansion().schema(node.child(dict(keywords)), 0)
    except _TooLargeError:
        return None
