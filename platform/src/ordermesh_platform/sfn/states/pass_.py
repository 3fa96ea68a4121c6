"""Pass: its input, or its ``Result``, becomes its output.

JSONPath: the effective input (InputPath, Parameters) is the result unless the state has a
``Result``, which replaces it; the result then goes through Assign, ResultPath and OutputPath.
JSONata: the input goes through Output and Assign.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ordermesh_platform.sfn.dataflow import effective_input, is_jsonata, state_output
from ordermesh_platform.sfn.json_text import copy_json
from ordermesh_platform.sfn.step import Frame

if TYPE_CHECKING:
    from ordermesh_platform.sfn.interpreter import Execution


def run(execution: Execution, frame: Frame, state: dict[str, Any]) -> str:
    if is_jsonata(execution, state):
        output, assigned = state_output(execution, frame, state, frame["input"])
        return execution.exit_state(frame, state, output, assigned)
    effective = effective_input(execution, frame, state, "Parameters")
    result = copy_json(state["Result"]) if "Result" in state else effective
    output, assigned = state_output(execution, frame, state, result)
    return execution.exit_state(frame, state, output, assigned)
