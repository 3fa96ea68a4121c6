"""JSONata query language for Step Functions: ``{% expr %}`` values in Output, Arguments, Assign...

``render_jsonata(template, states_binding, variables)`` walks a field's value: a string that is
exactly ``{% ... %}`` is a JSONata expression and is replaced by its result, objects and arrays are
rendered recursively, everything else is literal. ``$states`` is bound to ``states_binding``
(``input``, ``context`` and, where the state has them, ``result`` / ``errorOutput``) and every
workflow variable to ``$name``. Step Functions' own functions are registered: ``$partition``,
``$range``, ``$hash``, ``$random`` (optional seed), ``$uuid`` and ``$parse``.

Failures raise ``StatesError("States.QueryEvaluationError", ...)`` with AWS's causes: an
expression that returns nothing (undefined), that returns a function, or that throws (the cause
then carries JSONata's code and message, e.g. ``T1006: Attempted to invoke a non-function``).

The ``jsonata-python`` package has no type information: everything that touches it is in the
small adapter section below.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final

import jsonata  # type: ignore[import-untyped]
from jsonata import jexception, utils

from ordermesh_platform.sfn.errors import STATES_QUERY_EVALUATION_ERROR, StatesError
from ordermesh_platform.sfn.intrinsics import HASH_ALGORITHMS, random_uuid

_DEFAULT_RNG: Final = random.SystemRandom()
_MAX_RANGE: Final = 1000


class _FunctionError(Exception):
    """Raised by a Step Functions JSONata function; its message goes into the cause."""


class _Undefined:
    """Marker for JSONata's ``undefined`` (distinct from JSON ``null``)."""


UNDEFINED: Final = _Undefined()


class _UnsupportedResultError(Exception):
    """The expression produced a value that is not JSON (a function)."""


# --- adapter over jsonata-python (untyped) ---------------------------------------------------


@lru_cache(maxsize=512)
def _compile(expression: str) -> Any:
    compiled = jsonata.Jsonata(expression)
    compiled.set_output_convert_nulls(False)
    return compiled


def _to_jsonata(value: Any) -> Any:
    """Python JSON -> jsonata-python: null becomes ``NULL_VALUE`` (``None`` is undefined there)."""
    if value is None:
        return utils.Utils.NULL_VALUE
    if isinstance(value, dict):
        return {key: _to_jsonata(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_jsonata(item) for item in value]
    return value


def _from_jsonata(value: Any) -> Any:
    """jsonata-python -> plain Python JSON (fresh lists and dicts; functions are refused)."""
    if value is utils.Utils.NULL_VALUE:
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {key: _from_jsonata(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_from_jsonata(item) for item in value if item is not None]
    raise _UnsupportedResultError


def _sequence(values: list[Any]) -> Any:
    """A JSONata sequence: a single item collapses to itself, none to undefined (as ``$range``)."""
    return utils.Utils.create_sequence_from_iter(values)


def _lambda(function: Callable[..., Any]) -> Any:
    return jsonata.Jsonata.JLambda(function)


def _run(expression: str, root: Any, bindings: dict[str, Any], rng: random.Random) -> Any:
    """Evaluate; ``UNDEFINED`` for undefined. Raises ``jexception.JException`` and others."""
    compiled = _compile(expression)
    # $now()/$millis() read the thread's "current" instance; a cached one must be made current.
    jsonata.Jsonata.CURRENT.jsonata = compiled
    frame = {key: _to_jsonata(value) for key, value in bindings.items()}
    frame.update(_functions_for(rng))
    result = compiled.evaluate(_to_jsonata(root), frame)
    if result is None:
        return UNDEFINED
    return _from_jsonata(result)


def _jsonata_error_text(err: Exception) -> str:
    if isinstance(err, jexception.JException):
        return f"{err.error}: {err}"
    return str(err)


# --- Step Functions functions ----------------------------------------------------------------


def _functions_for(rng: random.Random) -> dict[str, Any]:
    return {
        "partition": _lambda(_partition),
        "range": _lambda(_range),
        "hash": _lambda(_hash),
        "random": _lambda(lambda *args: _random(rng, *args)),
        "uuid": _lambda(lambda *args: _uuid(rng, *args)),
        "parse": _lambda(_parse),
    }


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _partition(*args: Any) -> list[list[Any]]:
    if len(args) != 2:  # noqa: PLR2004 - $partition(array, size)
        raise _FunctionError("The function $partition expects 2 arguments: array and chunk size")
    array, size = args
    if not isinstance(array, list):
        raise _FunctionError("The first argument of $partition must be an array")
    if not _is_integer(size) or size <= 0:
        raise _FunctionError("The second argument of $partition must be a positive integer")
    items = list(array)
    chunk = int(size)
    return [items[i : i + chunk] for i in range(0, len(items), chunk)]


def _range(*args: Any) -> Any:
    if len(args) != 3 or not all(_is_integer(arg) for arg in args):  # noqa: PLR2004
        raise _FunctionError("The function $range expects 3 integer arguments: start, end, step")
    start, end, step = (int(arg) for arg in args)
    if step == 0:
        raise _FunctionError("The step of $range must not be 0")
    values = list(range(start, end + (1 if step > 0 else -1), step))
    if len(values) > _MAX_RANGE:
        raise _FunctionError(
            f"The function $range would produce {len(values)} elements; the maximum is {_MAX_RANGE}"
        )
    return _sequence(values)


def _hash(*args: Any) -> str:
    if len(args) != 2 or not isinstance(args[1], str):  # noqa: PLR2004 - $hash(value, algorithm)
        raise _FunctionError("The function $hash expects 2 arguments: value and algorithm")
    value, algorithm = args
    if algorithm not in HASH_ALGORITHMS:
        known = ", ".join(HASH_ALGORITHMS)
        message = f"The hash algorithm '{algorithm}' is not supported; use one of {known}"
        raise _FunctionError(message)
    text = value if isinstance(value, str) else json.dumps(_from_jsonata(value))
    return hashlib.new(HASH_ALGORITHMS[algorithm], text.encode()).hexdigest()


def _random(rng: random.Random, *args: Any) -> float:
    if not args or args[0] is None:
        return rng.random()
    if len(args) > 1 or not _is_integer(args[0]):
        raise _FunctionError("The function $random takes an optional integer seed")
    return random.Random(int(args[0])).random()  # noqa: S311 - seeded on purpose


def _uuid(rng: random.Random, *args: Any) -> str:
    if args:
        raise _FunctionError("The function $uuid takes no arguments")
    return random_uuid(rng)


def _parse(*args: Any) -> Any:
    if len(args) != 1 or not isinstance(args[0], str):
        raise _FunctionError("The function $parse expects 1 string argument")
    try:
        return _to_jsonata(json.loads(args[0]))
    except json.JSONDecodeError as err:
        raise _FunctionError(f"The function $parse could not parse the string: {err.msg}") from None


# --- public API -------------------------------------------------------------------------------


def is_jsonata_expression(value: Any) -> bool:
    """Whether ``value`` is a JSONata expression string: exactly ``{% ... %}``."""
    return (
        isinstance(value, str)
        and value.startswith("{%")
        and value.endswith("%}")
        and len(value) >= 4  # noqa: PLR2004 - "{%" + "%}"
    )


def _failure(expression: str, field: str, what: str) -> StatesError:
    return StatesError(
        STATES_QUERY_EVALUATION_ERROR,
        f"The JSONata expression '{expression}' specified for the field '{field}' {what}",
        location=field,
    )


def evaluate_expression(
    expression: str,
    states_binding: dict[str, Any],
    variables: dict[str, Any] | None = None,
    *,
    field: str = "Output",
    rng: random.Random | None = None,
    allow_undefined: bool = False,
) -> Any:
    """Evaluate one JSONata expression (the text between ``{%`` and ``%}``, already stripped).

    Returns the JSON result, or ``UNDEFINED`` when the expression returns nothing and
    ``allow_undefined`` is set (otherwise that is a ``States.QueryEvaluationError``). ``field``
    names the place in AWS's cause, e.g. ``Output/result``.
    """
    bindings: dict[str, Any] = dict(variables or {})
    bindings["states"] = states_binding
    try:
        result = _run(expression, states_binding.get("input"), bindings, rng or _DEFAULT_RNG)
    except _UnsupportedResultError:
        raise _failure(expression, field, "returned an unsupported result type.") from None
    except RecursionError:
        raise _failure(
            expression, field, "threw an error during evaluation. Stack overflow error"
        ) from None
    except Exception as err:  # noqa: BLE001 - any failure inside JSONata is the user's expression
        raise _failure(
            expression, field, f"threw an error during evaluation. {_jsonata_error_text(err)}"
        ) from None
    if result is UNDEFINED and not allow_undefined:
        raise _failure(expression, field, "returned nothing (undefined).")
    return result


def render_jsonata(
    template: Any,
    states_binding: dict[str, Any],
    variables: dict[str, Any] | None = None,
    *,
    field: str = "Output",
    rng: random.Random | None = None,
) -> Any:
    """Render a JSONata-mode field value: ``{% %}`` strings are evaluated, the rest is literal.

    ``states_binding`` is ``$states`` (``input``, ``context``, ``result``, ``errorOutput``),
    ``variables`` the workflow variables, ``field`` the field's name (``Output``, ``Arguments``,
    ``Assign``...; nested places are named ``Output/key``), ``rng`` the source for ``$random()``
    and ``$uuid()``. Raises ``StatesError("States.QueryEvaluationError", ...)``.
    """
    if isinstance(template, str):
        if is_jsonata_expression(template):
            return evaluate_expression(
                template[2:-2].strip(), states_binding, variables, field=field, rng=rng
            )
        return template
    if isinstance(template, dict):
        return {
            key: render_jsonata(value, states_binding, variables, field=f"{field}/{key}", rng=rng)
            for key, value in template.items()
        }
    if isinstance(template, list):
        return [
            render_jsonata(value, states_binding, variables, field=f"{field}/{index}", rng=rng)
            for index, value in enumerate(template)
        ]
    return template
