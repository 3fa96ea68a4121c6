"""The state types of the Amazon States Language, one module each, behind one interface.

A state type is a function ``run(execution, frame, state)`` (``StateKind``), and ``KINDS`` finds
it by the state's ``Type``. ``Execution`` records a state's ``...StateEntered`` event, then calls
``run`` at each step of the frame until the state is left; ``run`` does one step of the state's
work and returns ``MOVED`` or ``BLOCKED`` (``sfn.step``), or raises ``StateFailure``, which the
state's Retry and Catch handle (``sfn.retry_catch``). A state is left through
``Execution.exit_state`` (its ``...StateExited`` event, its variables, then the next state or the
end of the frame), or by failing the frame (Fail).

What a state type uses of the execution: its history (``emit``), its frames (``exit_state``,
``new_frame``, ``step_children``, ``state_of``, ``frames``), its clock (``now``), and ``rng``,
``integrations``, ``context_base`` and (Task) ``calls``. Its data flow is ``sfn.dataflow``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from ordermesh_platform.sfn.states import choice, fail, parallel, pass_, succeed, task, wait
from ordermesh_platform.sfn.states import map as map_

if TYPE_CHECKING:
    from ordermesh_platform.sfn.interpreter import Execution
    from ordermesh_platform.sfn.step import Frame


class StateKind(Protocol):
    """One step of a state of this type: ``MOVED`` or ``BLOCKED``, or ``StateFailure``."""

    def __call__(self, execution: Execution, frame: Frame, state: dict[str, Any], /) -> str: ...


KINDS: dict[str, StateKind] = {
    "Pass": pass_.run,
    "Task": task.run,
    "Choice": choice.run,
    "Wait": wait.run,
    "Succeed": succeed.run,
    "Fail": fail.run,
    "Parallel": parallel.run,
    "Map": map_.run,
}
