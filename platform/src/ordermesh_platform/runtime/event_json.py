"""An event's JSON as the standard library reads and writes it, written faster where that gives
the same text.

The bus reads an entry's ``Detail`` with :func:`json.loads` and writes the event it becomes with
:func:`json.dumps` (compact): the archive, every target's input and the lake hold that text, so
it must not change. orjson writes the same text several times faster for most events, and
differs only in what it does with numbers that have a fraction or an exponent (``1e-05`` against
``0.00001``), NaN and the infinities (``null``), integers over 64 bits (refused), text outside
ASCII and DEL (written raw, where json escapes them) and lone surrogates (refused). So a detail
is read by json with a hook that stops at the first number with a fraction or exponent and at
the constants; an event without them (``whole``) is written by orjson when the result is ASCII
without DEL, and by json otherwise.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps", "parse_detail"]


class _NotWhole(Exception):  # noqa: N818 - control flow, never escapes this module
    """The JSON text holds a number with a fraction or an exponent, NaN or an infinity."""


def _refuse(_text: str) -> Any:
    raise _NotWhole


_WHOLE = json.JSONDecoder(parse_float=_refuse, parse_constant=_refuse)


def parse_detail(text: str) -> tuple[Any, bool]:
    """``json.loads(text)`` (raising as it raises), and whether the value is ``whole``: no
    number in it has a fraction or an exponent, none is NaN or infinite."""
    try:
        return _WHOLE.decode(text), True
    except Exception:  # noqa: BLE001 - a fraction; or an error json.loads raises its own way
        return json.loads(text), False


def dumps(value: Any, *, whole: bool) -> str:
    """``json.dumps(value, separators=(",", ":"))``; ``whole``: no number in ``value`` is a
    float (as :func:`parse_detail` says of what it read)."""
    if whole:
        try:
            text = orjson.dumps(value)
        except (TypeError, orjson.JSONEncodeError):  # over 64 bits, a lone surrogate, deep
            pass
        else:
            if text.isascii() and b"\x7f" not in text:
                return text.decode("ascii")
    return json.dumps(value, separators=(",", ":"))
