"""JSONPath-language payload templates: Parameters, ResultSelector, ItemSelector, Assign.

``render_template(template, data, context, variables)`` builds a new JSON value from the template:
a key ending in ``.$`` takes its value from a path (``$.x`` on ``data``, ``$$.x`` on the context
object, ``$name.x`` on a workflow variable) or an intrinsic call (``States.*``) and loses the
``.$``; nested objects and arrays are rendered recursively; every other value is copied. A path
that selects nothing raises ``States.Runtime`` with AWS's cause: ``The JSONPath '$.x' specified for
the field 'x.$' could not be found in the input '<input JSON>'``.
"""

from __future__ import annotations

import random
from typing import Any

from ordermesh_platform.sfn.errors import STATES_RUNTIME, StatesError
from ordermesh_platform.sfn.intrinsic_parser import is_intrinsic
from ordermesh_platform.sfn.intrinsics import evaluate_intrinsic
from ordermesh_platform.sfn.json_text import copy_json, to_json
from ordermesh_platform.sfn.jsonpath import JsonPathNotFoundError, resolve_path


def _not_found(path: str, field: str, data: Any) -> StatesError:
    return StatesError(
        STATES_RUNTIME,
        f"The JSONPath '{path}' specified for the field '{field}' could not be found in the "
        f"input '{to_json(data)}'",
    )


def evaluate_field(
    field: str,
    expression: Any,
    data: Any,
    context: Any = None,
    variables: dict[str, Any] | None = None,
    *,
    rng: random.Random | None = None,
) -> Any:
    """The value of one ``.$`` field (``field`` is the key, with ``.$``, used in error causes)."""
    if not isinstance(expression, str):
        raise StatesError(
            STATES_RUNTIME,
            f"The value for the field '{field}' must be a valid JSONPath or a valid intrinsic "
            f"function call, but was {to_json(expression)}",
        )
    try:
        if is_intrinsic(expression):
            return copy_json(evaluate_intrinsic(expression, data, context, variables, rng=rng))
        return copy_json(resolve_path(expression, data, context, variables))
    except JsonPathNotFoundError as err:
        raise _not_found(err.path, field, data) from None


def render_template(
    template: Any,
    data: Any,
    context: Any = None,
    variables: dict[str, Any] | None = None,
    *,
    rng: random.Random | None = None,
) -> Any:
    """Render a payload template against ``data`` (the effective input), the context and variables.

    Returns a new value (nothing in ``data`` is shared with it). ``rng`` feeds the random
    intrinsics (``States.UUID``, ``States.MathRandom``).
    """
    if isinstance(template, dict):
        rendered: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                rendered[key[:-2]] = evaluate_field(key, value, data, context, variables, rng=rng)
            else:
                rendered[key] = render_template(value, data, context, variables, rng=rng)
        return rendered
    if isinstance(template, list):
        return [render_template(item, data, context, variables, rng=rng) for item in template]
    return copy_json(template)
