"""Events of the saga the order service listens to, as its commands."""

from __future__ import annotations

from ordermesh_contracts.models.inventory.inventory_reserved_v1 import InventoryReservedDetail
from ordermesh_contracts.models.payment.payment_authorized_v1 import PaymentAuthorizedDetail
from ordermesh_contracts.models.saga.order_saga_failed_v1 import OrderSagaFailedDetail
from ordermesh_contracts.models.saga.order_saga_succeeded_v1 import OrderSagaSucceededDetail
from pydantic import BaseModel

from order_service.domain.order import CancelReason, Order
from order_service.service_layer import orders
from order_service.service_layer.commands import CancelOrder, ConfirmOrder, RecordSagaStep

TIMEOUT = "States.Timeout"


def cancel_reason(failed_step: str, code: str) -> CancelReason:
    """Why the order is cancelled, from the step that failed and its reason code."""
    if code == TIMEOUT:
        return CancelReason.SAGA_TIMED_OUT
    if failed_step == "ReserveInventory":
        return CancelReason.INSUFFICIENT_STOCK
    if failed_step == "AuthorizePayment" and not code.startswith("States."):
        return CancelReason.PAYMENT_DECLINED
    return CancelReason.PAYMENT_FAILED


def cancel_command(detail: OrderSagaFailedDetail) -> CancelOrder:
    data = detail.data
    failed_step = str(getattr(data.failed_step, "value", data.failed_step))
    compensated = tuple(
        str(getattr(c.step, "value", c.step))
        for c in data.compensations
        if str(getattr(c.status, "value", c.status)) == "COMPLETED"
    )
    return CancelOrder(
        order_id=data.order_id,
        reason=cancel_reason(failed_step, data.reason.code),
        message=data.reason.message,
        compensated=compensated,
        causation_id=detail.metadata.event_id,
    )


def apply(detail: BaseModel, ports: orders.Ports) -> Order | None:
    """Apply one saga event to its order; ``None`` for an event this service ignores."""
    if isinstance(detail, OrderSagaSucceededDetail):
        data = detail.data
        command = ConfirmOrder(
            data.order_id, data.reservation_id, data.payment_id, detail.metadata.event_id
        )
        return orders.confirm_order(command, ports)
    if isinstance(detail, OrderSagaFailedDetail):
        return orders.cancel_order(cancel_command(detail), ports)
    if isinstance(detail, InventoryReservedDetail | PaymentAuthorizedDetail):
        step = (
            "InventoryReserved"
            if isinstance(detail, InventoryReservedDetail)
            else "PaymentAuthorized"
        )
        record = RecordSagaStep(detail.data.order_id, step, detail.metadata.event_id)
        return orders.record_saga_step(record, ports)
    return None
