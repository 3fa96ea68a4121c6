"""Validate Amazon States Language definitions at creation, rejecting what Step Functions rejects.

``validate_definition`` parses a definition and raises ``InvalidDefinition`` (AWS's error code)
with AWS's message: ``Invalid State Machine Definition: '<CODE>: <reason> at <path>, ...'``, one
diagnostic per problem, joined as AWS joins them. Paths are AWS's JSON pointers, with array
positions written ``Choices[0]`` (``/States/Choose/Choices[0]/Next``).

The checks are AWS's schema (required, supported and mutually exclusive fields per state type,
value types and ranges, JSONPath versus JSONata fields), the transition graph
(``MISSING_TRANSITION_TARGET`` for dangling targets and unreachable states, ``MISSING_END_STATE``),
state names, Express machine limits and Map labels. JSONata expressions are not parsed here:
``{% %}`` strings are accepted as they are. A bad Map ``Label`` is reported in the form the
reference emulator uses (``Error=ValueError Args=[...] in definition '...'.``), which is the form
the conformance corpus recorded.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from ordermesh_platform.sfn.validation.fields import MAX_SECONDS, TOP_FIELDS, known_fields
from ordermesh_platform.sfn.validation.messages import (
    INVALID_JSON,
    MISSING_DESCRIPTION,
    Diagnostic,
    InvalidDefinition,
    invalid,
)
from ordermesh_platform.sfn.validation.scope import JSONATA, JSONPATH, Context, Scope
from ordermesh_platform.sfn.validation.states import check_states


def _machine(ctx: Context, definition: Any) -> None:
    scope = Scope(ctx, JSONPATH)
    if not scope.check_object("/", definition):
        return
    known_fields(scope, "/", definition, TOP_FIELDS)
    if "QueryLanguage" in definition:
        language = definition["QueryLanguage"]
        scope.check_enum("/QueryLanguage", language, (JSONPATH, JSONATA))
        ctx.machine_language = JSONPATH if language == JSONPATH else JSONATA
    if "Version" in definition:
        scope.check_enum("/Version", definition["Version"], ("1.0",))
    if "TimeoutSeconds" in definition:
        scope.check_integer("/TimeoutSeconds", definition["TimeoutSeconds"], 0, MAX_SECONDS)
    if "Comment" in definition:
        scope.check_string("/Comment", definition["Comment"])
    check_states(ctx, "/", definition)


# --- parsing and the public entry point ---


class _JsonObject(dict[str, Any]):
    """A parsed JSON object that remembers the keys it held more than once."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = _JsonObject(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        repeated: list[str] = []
        for key, _ in pairs:
            if key in seen:
                repeated.append(key)
            seen.add(key)
        obj.duplicates = tuple(repeated)
    return obj


def _parse(definition: str | dict[str, Any]) -> tuple[str, Any]:
    if not isinstance(definition, str):
        return json.dumps(definition), definition
    if not definition.strip():
        raise invalid(
            [Diagnostic(MISSING_DESCRIPTION, "", "Received a null or empty workflow input")]
        )
    try:
        parsed = json.loads(definition, object_pairs_hook=_object_pairs)
    except json.JSONDecodeError as error:
        reason = f"{error.msg} at line {error.lineno}, column {error.colno}"
        raise invalid([Diagnostic(INVALID_JSON, "", reason)]) from None
    return definition, parsed


def validate_definition(
    definition: str | dict[str, Any],
    *,
    state_machine_type: Literal["STANDARD", "EXPRESS"] = "STANDARD",
) -> dict[str, Any]:
    """Return the parsed definition, or raise ``InvalidDefinition`` with AWS's message."""
    if state_machine_type not in {"STANDARD", "EXPRESS"}:
        raise ValueError(
            f"state_machine_type must be STANDARD or EXPRESS, not {state_machine_type!r}"
        )
    source, parsed = _parse(definition)
    ctx = Context(express=state_machine_type == "EXPRESS")
    _machine(ctx, parsed)
    if ctx.label_errors:
        first = ctx.label_errors[0]
        message = f"Error=ValueError Args={[first.reason]!r} in definition '{source}'."
        raise InvalidDefinition(message, ctx.label_errors + ctx.diagnostics)
    if ctx.diagnostics:
        raise invalid(ctx.diagnostics)
    result: dict[str, Any] = parsed
    return result
