"""JSON reading that keeps what event-ruler sees and ``json.loads`` would lose.

Numbers keep their spelling (:class:`JsonNumber`), and an object whose keys repeat keeps every
pair (:class:`JsonObject`): event-ruler reads JSON as a token stream, so a repeated key in a
pattern overrides or merges, and a repeated key in an event gives the field several values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

from ._values import JsonNumber


class JsonObject:
    """A JSON object as its ordered (key, value) pairs, repeated keys included."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def load_pattern(text: str) -> Any:
    """Pattern JSON: every object as a JsonObject, every number as a JsonNumber."""
    return json.loads(
        text,
        object_pairs_hook=JsonObject,
        parse_float=JsonNumber,
        parse_int=JsonNumber,
        parse_constant=_reject_constant,
    )


def load_event(text: str) -> tuple[Any, bool]:
    """Event JSON: plain dicts unless a key repeats (then JsonObject); numbers as JsonNumber.

    Returns the value and whether some object repeated a key.
    """
    repeated = False

    def pairs_hook(pairs: list[tuple[str, Any]]) -> Any:
        nonlocal repeated
        as_dict = dict(pairs)
        if len(as_dict) == len(pairs):
            return as_dict
        repeated = True
        return JsonObject(pairs)

    value = json.loads(
        text,
        object_pairs_hook=pairs_hook,
        parse_float=JsonNumber,
        parse_int=JsonNumber,
        parse_constant=_reject_constant,
    )
    return value, repeated


def from_python(value: Any) -> Any:
    """A pattern given as Python objects, in the shape :func:`load_pattern` produces."""
    if isinstance(value, Mapping):
        return JsonObject([(key, from_python(item)) for key, item in value.items()])
    if isinstance(value, list | tuple):
        return [from_python(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return JsonNumber(str(value))
    if isinstance(value, float) and math.isfinite(value):
        return JsonNumber(repr(value))
    return value


def dump(value: Any) -> str:
    """Compact JSON text of a value read by this module (spellings and repeated keys kept)."""
    if isinstance(value, JsonObject):
        return "{" + ",".join(f"{_dump_key(key)}:{dump(item)}" for key, item in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump(item) for item in value) + "]"
    if isinstance(value, JsonNumber):
        return value.text
    return json.dumps(value, ensure_ascii=False)


def _dump_key(key: object) -> str:
    return json.dumps(key if isinstance(key, str) else str(key), ensure_ascii=False)
