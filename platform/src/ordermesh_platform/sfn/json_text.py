"""JSON values as Step Functions copies and prints them."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists and scalars): much cheaper than
    ``copy.deepcopy``, which keeps a memo for shared and cyclic objects JSON cannot have."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def cause_text(value: Any) -> str:
    """A value as AWS quotes it in a cause: a string as it is, anything else as JSON."""
    return value if isinstance(value, str) else to_json(value)


# orjson prints exponents as 1e16 and 1e-7 where json prints 1e+16 and 1e-07: text with a digit
# before an "e" goes through json, so both give the same text.
_MAYBE_EXPONENT = re.compile(rb"\d[eE]")


def to_json(value: Any) -> str:
    """Serialise ``value`` the way AWS prints JSON in outputs and causes: compact, UTF-8.

    orjson does the work (it is several times faster); json takes over for numbers with an
    exponent, integers beyond 64 bits and non-finite floats, so the text never depends on which.
    """
    try:
        fast = orjson.dumps(value)
    except TypeError:
        fast = None
    if fast is None or _MAYBE_EXPONENT.search(fast) or (b"null" in fast and _has_nan(value)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return fast.decode()


def _has_nan(value: Any) -> bool:
    if isinstance(value, float):
        return value != value or value in {float("inf"), float("-inf")}  # noqa: PLR0124 - NaN test
    if isinstance(value, dict):
        return any(_has_nan(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_nan(item) for item in value)
    return False
