"""The saga's use cases: start for an order, resume a step from a reply, read progress."""

from __future__ import annotations

from typing import Any

from ordermesh_contracts.models.order.order_placed_v2 import OrderPlacedDetail

from ordermesh_platform.saga.engine import Sagas, Started
from ordermesh_platform.saga.model import Money, SagaInput, SagaLine
from ordermesh_platform.saga.progress import saga_view
from ordermesh_platform.saga.replies import Decision, Success


def input_for(placed: OrderPlacedDetail) -> SagaInput:
    data = placed.data
    return SagaInput(
        order_id=data.order_id,
        customer_id=data.customer_id,
        lines=[SagaLine(sku=line.sku, quantity=line.quantity) for line in data.lines],
        total=Money(amount=data.total.amount, currency=data.total.currency),
        correlation_id=placed.metadata.correlation_id,
    )


def start(sagas: Sagas, saga_input: SagaInput) -> Started:
    """Start the order's saga (named by the order id); starting it again changes nothing."""
    return sagas.start(saga_input.order_id, saga_input.execution_input())


def resume(sagas: Sagas, decision: Decision) -> bool:
    """Resume the step waiting for this reply; False if none waits any more (a late or
    duplicate reply), which needs no retry."""
    if isinstance(decision, Success):
        return sagas.succeed(decision.task_token, decision.output)
    return sagas.fail(decision.task_token, decision.error, decision.cause)


def progress(sagas: Sagas, order_id: str) -> dict[str, Any]:
    execution = sagas.describe(order_id)
    return saga_view(order_id, execution, sagas.history(str(execution["executionArn"])))
