"""The local Step Functions service: state machines and their executions, kept in SQLite.

The API mirrors AWS's (request and response fields as the JSON 1.0 protocol spells them, dates
as epoch seconds); the HTTP endpoint and the CLI call it, and so do tests.

Executions are durable (decision note 2026-11-22-saga-engine-durability.md) and run by a worker
that claims those that are due (decision note 2026-11-22-task-calls-under-way.md). The parts:

- ``state_machines``: Create/Describe/Update/Delete/ListStateMachines;
- ``service``: ``StepFunctions``, the executions' operations (start, describe, list, history,
  stop, redrive, task tokens) on those state machines;
- ``persistence``: the tables, and an execution loaded from its row and written back;
- ``worker``: claiming due executions and advancing them in rounds;
- ``tokens``: task tokens and the signals that reach a waiting execution;
- ``paging``: List* pages and history without execution data.
"""

from ordermesh_platform.sfn.engine.persistence import EXECUTIONS_CHANNEL
from ordermesh_platform.sfn.engine.service import (
    StepFunctions,
    StepFunctionsOptions,
    execution_arn,
)
from ordermesh_platform.sfn.engine.state_machines import DEFAULT_ROLE_ARN, Type

__all__ = [
    "DEFAULT_ROLE_ARN",
    "EXECUTIONS_CHANNEL",
    "StepFunctions",
    "StepFunctionsOptions",
    "Type",
    "execution_arn",
]
