"""The shapes field values are checked against: JSONPath and context paths, intrinsic function
calls, JSONata expressions, RFC 3339 timestamps and numbers, and the JSON pointers diagnostics
are reported at."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final

INTRINSICS: Final = frozenset(
    {"Format", "StringToJson", "JsonToString", "Array", "ArrayPartition", "ArrayContains"}
    | {"ArrayRange", "ArrayGetItem", "ArrayLength", "ArrayUnique", "Base64Encode", "Base64Decode"}
    | {"Hash", "JsonMerge", "MathRandom", "MathAdd", "StringSplit", "UUID"}
)

_TIMESTAMP: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
_INTRINSIC: Final = re.compile(r"States\.(\w+)\((.*)\)", re.DOTALL)


def child(path: str, key: str) -> str:
    return f"/{key}" if path == "/" else f"{path}/{key}"


def is_jsonata(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


def is_path(value: Any) -> bool:
    """A JSONPath, a context path (``$$``) or a variable reference (``$name``)."""
    return isinstance(value, str) and value.startswith("$") and not value[1:].startswith(" ")


def is_reference_path(value: Any) -> bool:
    return is_path(value) and not value.startswith("$$")


def is_intrinsic(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    match = _INTRINSIC.fullmatch(value.strip())
    return match is not None and match.group(1) in INTRINSICS


def is_timestamp(value: Any) -> bool:
    if not isinstance(value, str) or _TIMESTAMP.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
