"""The saga handlers' composition root: settings read once, the Step Functions adapter chosen.

In AWS the state machine's ARN comes from the function's ``ORDER_SAGA_ARN`` variable; inside the
local runtime from the runtime's settings (``state-machine-arn:order-saga``). Either way the
adapter is ``StepFunctionsSagas`` over a ``stepfunctions`` client: boto3's, or the runtime's
in-process one.
"""

from __future__ import annotations

import os

from ordermesh_contracts import environment
from pydantic import BaseModel

from ordermesh_platform.saga.engine import Sagas, StepFunctionsSagas

STATE_MACHINE = "order-saga"


class SagaSettings(BaseModel):
    state_machine_arn: str


def settings() -> SagaSettings:
    local = environment.current()
    if local is not None:
        return SagaSettings(state_machine_arn=local.settings[f"state-machine-arn:{STATE_MACHINE}"])
    return SagaSettings(state_machine_arn=os.environ["ORDER_SAGA_ARN"])


def _build() -> Sagas:
    client = environment.aws_client("stepfunctions")
    return StepFunctionsSagas(client, settings().state_machine_arn)


sagas = environment.per_environment(_build)
"""The Sagas port for the environment this handler runs in (built once per environment)."""
