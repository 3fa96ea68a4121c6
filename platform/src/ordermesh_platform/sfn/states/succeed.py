"""Succeed: the frame ends with the state's output.

JSONPath: InputPath then OutputPath (a Succeed state has no result, so no ResultPath); JSONata:
Output. Ending the frame is ``Execution.exit_state``'s (a Succeed state has no ``Next``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ordermesh_platform.sfn.dataflow import effective_input, is_jsonata, state_output
from ordermesh_platform.sfn.step import Frame

if TYPE_CHECKING:
    from ordermesh_platform.sfn.interpreter import Execution


def run(execution: Execution, frame: Frame, state: dict[str, Any]) -> str:
    if is_jsonata(execution, state):
        output, _ = state_output(execution, frame, state, frame["input"])
    else:
        effective = effective_input(execution, frame, state, "-")
        output, _ = state_output(execution, frame, state, effective, result_key=None)
    return execution.exit_state(frame, state, output, None)
