"""Field paths into an event's ``detail``, and what a contract's schema says is at each.

A path is dotted property names, each followed by ``[]`` when it is an array whose items the
path goes on into: ``data.orderId``, ``data.lines[].sku``, ``metadata.correlationId``. A
subscription's ``reads`` names the fields its handler reads this way.

``walk`` follows a path through a bundled schema (``$ref`` to its ``definitions``; ``allOf``
members merged, as ``CommandMetadata`` is built) and gives, for every prefix of the path, the
JSON types the schema allows there and whether the field is required; or where it stops.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_SEGMENT = re.compile(r"^(?P<name>[A-Za-z_$][A-Za-z0-9_$-]*)(?P<array>\[\])?$")


@dataclass(frozen=True)
class Segment:
    name: str
    array: bool  # the path goes on into the items of this array

    def __str__(self) -> str:
        return self.name + ("[]" if self.array else "")


@dataclass(frozen=True)
class FieldPath:
    segments: tuple[Segment, ...]

    @classmethod
    def parse(cls, text: str) -> FieldPath:
        """``data.lines[].sku`` -> its segments; ``ValueError`` saying what is wrong."""
        parts = text.split(".")
        segments = []
        for part in parts:
            match = _SEGMENT.match(part)
            if match is None:
                raise ValueError(
                    f"{text!r} is not a field path like 'data.lines[].sku': "
                    f"{part!r} is not a property name, optionally followed by '[]'"
                )
            segments.append(Segment(match["name"], match["array"] is not None))
        return cls(tuple(segments))

    def prefixes(self) -> list[FieldPath]:
        return [FieldPath(self.segments[: i + 1]) for i in range(len(self.segments))]

    def __str__(self) -> str:
        return ".".join(map(str, self.segments))


@dataclass(frozen=True)
class Step:
    """What the schema says of one prefix of a path."""

    path: FieldPath
    types: frozenset[str] | None  # None: the schema allows any type there
    required: bool


@dataclass(frozen=True)
class Walk:
    """The steps a path took through a schema; ``missing`` says why it stopped, if it did."""

    steps: tuple[Step, ...]
    missing: str | None = None

    @property
    def found(self) -> bool:
        return self.missing is None


@dataclass(frozen=True)
class _View:
    """A schema node with references followed and ``allOf`` merged."""

    types: frozenset[str] | None
    properties: Mapping[str, Any]
    required: frozenset[str]
    items: Any  # the items schema of an array (object form), else None


def walk(schema: Mapping[str, Any], path: FieldPath) -> Walk:
    """Follow ``path`` from the event's ``detail`` through the bundled ``schema``.

    A step is taken per property (``data.lines``) and per array's items (``data.lines[]``).
    """
    node: Any = _view(schema, schema).properties.get("detail")
    steps: list[Step] = []
    for i, segment in enumerate(path.segments):
        view = _view(schema, node)
        here = FieldPath((*path.segments[:i], Segment(segment.name, array=False)))
        if segment.name not in view.properties:
            where = f"detail.{FieldPath(path.segments[:i])}" if i else "detail"
            return Walk(tuple(steps), f"{where} has no field {segment.name!r}")
        node = view.properties[segment.name]
        field = _view(schema, node)
        steps.append(Step(here, field.types, segment.name in view.required))
        if segment.array:
            if field.items is None:
                reason = f"detail.{here} is not an array with one schema for its items"
                return Walk(tuple(steps), reason)
            node = field.items
            items = FieldPath((*path.segments[:i], segment))
            steps.append(Step(items, _view(schema, node).types, required=True))
    return Walk(tuple(steps))


def _view(root: Mapping[str, Any], node: Any, depth: int = 0) -> _View:
    node = _deref(root, node)
    if not isinstance(node, Mapping):
        return _View(None, {}, frozenset(), None)
    types = _types(node.get("type"))
    properties = dict(node.get("properties") or {})
    required = set(node.get("required") or ())
    items = node.get("items") if isinstance(node.get("items"), Mapping) else None
    for member in node.get("allOf") or () if depth < _MAX_DEPTH else ():
        part = _view(root, member, depth + 1)
        types = part.types if types is None else types & part.types if part.types else types
        properties = {**part.properties, **properties}
        required |= part.required
        items = items if items is not None else part.items
    return _View(types, properties, frozenset(required), items)


_MAX_DEPTH = 32


def _deref(root: Mapping[str, Any], node: Any) -> Any:
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#") or ref in seen:
            return None  # not bundled, or a cycle: nothing is known there
        seen.add(ref)
        node = root
        for part in filter(None, ref[1:].split("/")):
            key = part.replace("~1", "/").replace("~0", "~")
            node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _types(value: Any) -> frozenset[str] | None:
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list):
        return frozenset(str(v) for v in value)
    return None
