"""Fail: the frame fails with the state's Error and Cause.

Each is a literal or its ``Path`` form (JSONPath) or a literal or an expression (JSONata), and
must give a string: anything else is a ``States.Runtime`` error. A Fail state emits no
``...StateExited`` event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ordermesh_platform.sfn.dataflow import field_value
from ordermesh_platform.sfn.errors import STATES_RUNTIME, StatesError
from ordermesh_platform.sfn.json_text import to_json
from ordermesh_platform.sfn.step import MOVED, Frame, fail_data

if TYPE_CHECKING:
    from ordermesh_platform.sfn.interpreter import Execution


def run(execution: Execution, frame: Frame, state: dict[str, Any]) -> str:
    error = field_value(execution, frame, state, "Error", frame["input"])
    cause = field_value(execution, frame, state, "Cause", frame["input"])
    for field, value in (("Error", error), ("Cause", cause)):
        if value is not None and not isinstance(value, str):
            raise fail_data(
                frame,
                StatesError(
                    STATES_RUNTIME,
                    f"The {field}Path or {field} field must evaluate to a string, "
                    f"but was {to_json(value)}",
                ),
            )
    frame.update(status="failed", error=error, cause=cause, phase="done")
    return MOVED
