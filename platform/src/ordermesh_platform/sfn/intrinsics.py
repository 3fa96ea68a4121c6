"""Step Functions intrinsic functions (``States.*``): the evaluator (``intrinsic_parser`` parses).

``evaluate_intrinsic("States.Format('Hi {}', $.name)", data, context, variables)`` parses the call
(cached) and evaluates it. Failures raise ``StatesError`` with ``States.IntrinsicFailure`` (a
missing path raises ``States.Runtime`` like every other JSONPath field).

Randomness (``States.MathRandom`` without a seed, ``States.UUID``) comes from the ``rng`` argument,
a ``random.Random``: pass one seeded per execution to make runs replayable. Without it a
module-level ``random.SystemRandom`` is used.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ordermesh_platform.sfn.errors import STATES_INTRINSIC_FAILURE, StatesError
from ordermesh_platform.sfn.intrinsic_parser import (
    Call,
    Literal,
    Node,
    PathArg,
    parse_intrinsic,
)
from ordermesh_platform.sfn.json_text import to_json
from ordermesh_platform.sfn.jsonpath import resolve_path

_DEFAULT_RNG: Final = random.SystemRandom()
_MAX_ARRAY_RANGE: Final = 1000
_MAX_STRING: Final = 10000
HASH_ALGORITHMS: Final[dict[str, str]] = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _failure(cause: str) -> StatesError:
    return StatesError(STATES_INTRINSIC_FAILURE, cause)


@dataclass(slots=True)
class _Env:
    data: Any
    context: Any
    variables: dict[str, Any] | None
    rng: random.Random


def _type_name(value: Any) -> str:  # noqa: PLR0911 - one return per JSON type
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _expect_count(name: str, args: Sequence[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if low <= len(args) <= high:
        return
    wanted = str(low) if low == high else f"{low} to {high}"
    raise _failure(
        f"Invalid number of arguments for function '{name}': expected {wanted}, got {len(args)}"
    )


def _arg_error(name: str, position: int, expected: str, value: Any) -> StatesError:
    return _failure(
        f"The {_ORDINALS[position]} argument of the function '{name}' must be {expected}, "
        f"but was {_type_name(value)}: {to_json(value)}"
    )


_ORDINALS: Final = ("first", "second", "third", "fourth")


def _string(name: str, args: Sequence[Any], position: int) -> str:
    value = args[position]
    if not isinstance(value, str):
        raise _arg_error(name, position, "a string", value)
    return value


def _array(name: str, args: Sequence[Any], position: int) -> list[Any]:
    value = args[position]
    if not isinstance(value, list):
        raise _arg_error(name, position, "an array", value)
    return value


def _integer(name: str, args: Sequence[Any], position: int) -> int:
    value = args[position]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _arg_error(name, position, "an integer", value)
    return value


def _format_value(value: Any) -> str:
    """How AWS (Java) prints a value into States.Format: ``{a=1, b=[x, y]}`` for objects."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    return to_json(value)


def _states_format(node: Call, args: list[Any]) -> str:
    name = "States.Format"
    if not args:
        _expect_count(name, args, 1)
    first = node.args[0]
    template = first.raw if isinstance(first, Literal) and first.raw is not None else None
    if template is None:
        template = _string(name, args, 0)
    values = args[1:]
    out: list[str] = []
    used = 0
    index = 0
    while index < len(template):
        char = template[index]
        if char == "\\" and index + 1 < len(template):
            out.append(template[index + 1])
            index += 2
            continue
        if template.startswith("{}", index):
            if used >= len(values):
                raise _failure(
                    f"The number of arguments ({len(values)}) for the function '{name}' does not "
                    "match the number of placeholders '{}' in the format string"
                )
            out.append(_format_value(values[used]))
            used += 1
            index += 2
            continue
        out.append(char)
        index += 1
    if used != len(values):
        raise _failure(
            f"The number of arguments ({len(values)}) for the function '{name}' does not "
            "match the number of placeholders '{}' in the format string"
        )
    return "".join(out)


def _string_to_json(args: list[Any]) -> Any:
    name = "States.StringToJson"
    _expect_count(name, args, 1)
    text = _string(name, args, 0)
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise _failure(
            f"The function '{name}' could not parse the string '{text}' as JSON: {err.msg}"
        ) from None


def _json_to_string(args: list[Any]) -> str:
    _expect_count("States.JsonToString", args, 1)
    return to_json(args[0])


def _array_partition(args: list[Any]) -> list[list[Any]]:
    name = "States.ArrayPartition"
    _expect_count(name, args, 2)
    array = _array(name, args, 0)
    size = _integer(name, args, 1)
    if size <= 0:
        raise _failure(
            f"The chunk size for the function '{name}' must be a positive integer, but was {size}"
        )
    return [array[i : i + size] for i in range(0, len(array), size)]


def _array_contains(args: list[Any]) -> bool:
    name = "States.ArrayContains"
    _expect_count(name, args, 2)
    array = _array(name, args, 0)
    return any(_json_equal(item, args[1]) for item in array)


def _json_equal(left: Any, right: Any) -> bool:
    """JSON equality: booleans are not numbers, ``1 == 1.0``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_json_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    return type(left) is type(right) and bool(left == right)


def _array_range(args: list[Any]) -> list[int]:
    name = "States.ArrayRange"
    _expect_count(name, args, 3)
    start, end, step = (_integer(name, args, i) for i in range(3))
    if step == 0:
        raise _failure(f"The step for the function '{name}' must not be 0")
    values = list(range(start, end + (1 if step > 0 else -1), step))
    if len(values) > _MAX_ARRAY_RANGE:
        raise _failure(
            f"The function '{name}' would produce {len(values)} elements; "
            f"the maximum is {_MAX_ARRAY_RANGE}"
        )
    return values


def _array_get_item(args: list[Any]) -> Any:
    name = "States.ArrayGetItem"
    _expect_count(name, args, 2)
    array = _array(name, args, 0)
    index = _integer(name, args, 1)
    if not 0 <= index < len(array):
        raise _failure(
            f"The index {index} for the function '{name}' is out of bounds for an array of "
            f"length {len(array)}"
        )
    return array[index]


def _array_length(args: list[Any]) -> int:
    name = "States.ArrayLength"
    _expect_count(name, args, 1)
    return len(_array(name, args, 0))


def _array_unique(args: list[Any]) -> list[Any]:
    name = "States.ArrayUnique"
    _expect_count(name, args, 1)
    unique: list[Any] = []
    for item in _array(name, args, 0):
        if not any(_json_equal(item, seen) for seen in unique):
            unique.append(item)
    return unique


def _check_length(name: str, text: str) -> None:
    if len(text) > _MAX_STRING:
        raise _failure(
            f"The input string for the function '{name}' is {len(text)} characters long; "
            f"the maximum is {_MAX_STRING}"
        )


def _base64_encode(args: list[Any]) -> str:
    name = "States.Base64Encode"
    _expect_count(name, args, 1)
    text = _string(name, args, 0)
    _check_length(name, text)
    return base64.b64encode(text.encode()).decode("ascii")


def _base64_decode(args: list[Any]) -> str:
    name = "States.Base64Decode"
    _expect_count(name, args, 1)
    text = _string(name, args, 0)
    _check_length(name, text)
    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise _failure(
            f"The function '{name}' could not decode the string '{text}' as base64"
        ) from None


def _hash(args: list[Any]) -> str:
    name = "States.Hash"
    _expect_count(name, args, 2)
    value = args[0]
    if value is None:
        raise _arg_error(name, 0, "not null", value)
    text = value if isinstance(value, str) else to_json(value)
    _check_length(name, text)
    algorithm = _string(name, args, 1)
    if algorithm not in HASH_ALGORITHMS:
        raise _failure(
            f"The hash algorithm '{algorithm}' for the function '{name}' is not supported; "
            f"use one of {', '.join(HASH_ALGORITHMS)}"
        )
    return hashlib.new(HASH_ALGORITHMS[algorithm], text.encode()).hexdigest()


def _json_merge(args: list[Any]) -> dict[str, Any]:
    name = "States.JsonMerge"
    _expect_count(name, args, 3)
    left, right = args[0], args[1]
    for position, value in enumerate((left, right)):
        if not isinstance(value, dict):
            raise _arg_error(name, position, "a JSON object", value)
    deep = args[2]
    if not isinstance(deep, bool):
        raise _arg_error(name, 2, "a boolean", deep)
    if deep:
        raise _failure(f"The function '{name}' only supports shallow merges: use false")
    return {**left, **right}


def _round_half_up(name: str, args: Sequence[Any], position: int) -> int:
    """A number as MathAdd and MathRandom read it: AWS rounds one that is not an integer to the
    nearest integer, half up (Java ``Math.round``): 1.5 -> 2, -1.5 -> -1."""
    value = args[position]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _arg_error(name, position, "a number", value)
    if not math.isfinite(value):
        raise _arg_error(name, position, "a finite number", value)
    return math.floor(value + 0.5)


def _math_random(args: list[Any], rng: random.Random) -> int:
    """An integer from start (inclusive) to end (exclusive), the bounds and the seed rounded."""
    name = "States.MathRandom"
    _expect_count(name, args, 2, 3)
    start = _round_half_up(name, args, 0)
    end = _round_half_up(name, args, 1)
    if start >= end:
        raise _failure(
            f"The start value ({start}) for the function '{name}' must be less than the end "
            f"value ({end})"
        )
    source = random.Random(_round_half_up(name, args, 2)) if len(args) == 3 else rng  # noqa: S311, PLR2004 - seeded, replayable on purpose
    return source.randrange(start, end)


def _math_add(args: list[Any]) -> int:
    name = "States.MathAdd"
    _expect_count(name, args, 2)
    return _round_half_up(name, args, 0) + _round_half_up(name, args, 1)


def _string_split(args: list[Any]) -> list[str]:
    name = "States.StringSplit"
    _expect_count(name, args, 2)
    text = _string(name, args, 0)
    delimiters = _string(name, args, 1)
    if not delimiters:
        return [text] if text else []
    pattern = "[" + re.escape(delimiters) + "]"
    return [part for part in re.split(pattern, text) if part]


def random_uuid(rng: random.Random) -> str:
    """A version 4 UUID drawn from ``rng`` (replayable when ``rng`` is seeded)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


_SIMPLE: Final[dict[str, Callable[[list[Any]], Any]]] = {
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_to_string,
    "States.Array": list,
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _array_length,
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _base64_encode,
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
}


def _evaluate(node: Node, env: _Env) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, PathArg):
        return resolve_path(node.path, env.data, env.context, env.variables)
    args = [_evaluate(arg, env) for arg in node.args]
    if node.name == "States.Format":
        return _states_format(node, args)
    if node.name == "States.MathRandom":
        return _math_random(args, env.rng)
    if node.name == "States.UUID":
        _expect_count(node.name, args, 0)
        return random_uuid(env.rng)
    function = _SIMPLE.get(node.name)
    if function is None:
        raise _failure(f"The function '{node.name}' is not supported")
    return function(args)


def evaluate_intrinsic(
    text: str,
    data: Any,
    context: Any = None,
    variables: dict[str, Any] | None = None,
    *,
    rng: random.Random | None = None,
) -> Any:
    """Evaluate an intrinsic call such as ``States.Format('{}', $.x)``.

    ``data`` is what ``$`` paths read, ``context`` the context object (``$$``), ``variables`` the
    workflow variables (``$name``). ``rng`` feeds ``States.MathRandom`` (unseeded) and
    ``States.UUID``. Raises ``StatesError`` (``States.IntrinsicFailure``; ``States.Runtime`` when
    a path argument selects nothing).
    """
    call = parse_intrinsic(text)
    return _evaluate(call, _Env(data, context, variables, rng or _DEFAULT_RNG))
