"""Parallel: one child frame per branch, each with a copy of the effective input.

The branches are stepped round-robin (``Execution.step_children``), one step each per step of
the state. A branch that fails fails the state (its Retry and Catch apply); when every branch
has succeeded, the list of their outputs, in branch order, is the state's result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ordermesh_platform.sfn.dataflow import effective_input, state_output
from ordermesh_platform.sfn.json_text import copy_json
from ordermesh_platform.sfn.step import MOVED, Frame, StateFailure

if TYPE_CHECKING:
    from ordermesh_platform.sfn.interpreter import Execution


def run(execution: Execution, frame: Frame, state: dict[str, Any]) -> str:
    work = frame["work"]
    if "children" not in work:
        if "effective" not in work:
            work["effective"] = effective_input(execution, frame, state, "Parameters")
        execution.emit(frame, "ParallelStateStarted", None, None)
        base = frame["block"] + ["States", frame["state"], "Branches"]
        work["children"] = [
            execution.new_frame(
                [*base, index],
                branch["StartAt"],
                copy_json(work["effective"]),
                variables=dict(frame["vars"]),
                prev=frame["prev"],
            )
            for index, branch in enumerate(state["Branches"])
        ]
        return MOVED
    children: list[Frame] = work["children"]
    progress = execution.step_children(children)
    failed = next((child for child in children if child["status"] == "failed"), None)
    if failed is not None:
        frame["prev"] = failed["prev"]
        del work["children"]
        raise StateFailure(failed["error"], failed["cause"], from_child=True)
    if all(child["status"] == "succeeded" for child in children):
        last = max(child["prev"] for child in children)
        execution.emit(frame, "ParallelStateSucceeded", None, None, prev=last)
        del work["children"]
        output, assigned = state_output(
            execution, frame, state, [child["output"] for child in children]
        )
        return execution.exit_state(frame, state, output, assigned)
    return progress
