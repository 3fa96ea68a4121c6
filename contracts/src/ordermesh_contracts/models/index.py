"""Generated: (source, detail-type, version) to the contract's models. Do not edit."""

from typing import Final

from ordermesh_contracts.contract_models import ContractModels
from ordermesh_contracts.models.analytics import anomaly_detected_v1
from ordermesh_contracts.models.inventory import (
    inventory_released_v1,
    inventory_reservation_rejected_v1,
    inventory_reserved_v1,
    stock_level_low_v1,
)
from ordermesh_contracts.models.order import (
    order_cancelled_v1,
    order_confirmed_v1,
    order_placed_v1,
    order_placed_v2,
)
from ordermesh_contracts.models.payment import (
    payment_authorized_v1,
    payment_declined_v1,
    payment_refunded_v1,
)
from ordermesh_contracts.models.saga import (
    authorize_payment_v1,
    order_saga_failed_v1,
    order_saga_succeeded_v1,
    refund_payment_v1,
    release_inventory_v1,
    reserve_inventory_v1,
)

MODELS: Final[dict[tuple[str, str, int], ContractModels]] = {
    ("ordermesh.analytics", "AnomalyDetected", 1): ContractModels(
        "ordermesh.analytics",
        "AnomalyDetected",
        1,
        anomaly_detected_v1.AnomalyDetectedEvent,
        anomaly_detected_v1.AnomalyDetectedDetail,
        anomaly_detected_v1.AnomalyDetected,
    ),
    ("ordermesh.inventory", "InventoryReleased", 1): ContractModels(
        "ordermesh.inventory",
        "InventoryReleased",
        1,
        inventory_released_v1.InventoryReleasedEvent,
        inventory_released_v1.InventoryReleasedDetail,
        inventory_released_v1.InventoryReleased,
    ),
    ("ordermesh.inventory", "InventoryReservationRejected", 1): ContractModels(
        "ordermesh.inventory",
        "InventoryReservationRejected",
        1,
        inventory_reservation_rejected_v1.InventoryReservationRejectedEvent,
        inventory_reservation_rejected_v1.InventoryReservationRejectedDetail,
        inventory_reservation_rejected_v1.InventoryReservationRejected,
    ),
    ("ordermesh.inventory", "InventoryReserved", 1): ContractModels(
        "ordermesh.inventory",
        "InventoryReserved",
        1,
        inventory_reserved_v1.InventoryReservedEvent,
        inventory_reserved_v1.InventoryReservedDetail,
        inventory_reserved_v1.InventoryReserved,
    ),
    ("ordermesh.inventory", "StockLevelLow", 1): ContractModels(
        "ordermesh.inventory",
        "StockLevelLow",
        1,
        stock_level_low_v1.StockLevelLowEvent,
        stock_level_low_v1.StockLevelLowDetail,
        stock_level_low_v1.StockLevelLow,
    ),
    ("ordermesh.order", "OrderCancelled", 1): ContractModels(
        "ordermesh.order",
        "OrderCancelled",
        1,
        order_cancelled_v1.OrderCancelledEvent,
        order_cancelled_v1.OrderCancelledDetail,
        order_cancelled_v1.OrderCancelled,
    ),
    ("ordermesh.order", "OrderConfirmed", 1): ContractModels(
        "ordermesh.order",
        "OrderConfirmed",
        1,
        order_confirmed_v1.OrderConfirmedEvent,
        order_confirmed_v1.OrderConfirmedDetail,
        order_confirmed_v1.OrderConfirmed,
    ),
    ("ordermesh.order", "OrderPlaced", 1): ContractModels(
        "ordermesh.order",
        "OrderPlaced",
        1,
        order_placed_v1.OrderPlacedEvent,
        order_placed_v1.OrderPlacedDetail,
        order_placed_v1.OrderPlaced,
    ),
    ("ordermesh.order", "OrderPlaced", 2): ContractModels(
        "ordermesh.order",
        "OrderPlaced",
        2,
        order_placed_v2.OrderPlacedEvent,
        order_placed_v2.OrderPlacedDetail,
        order_placed_v2.OrderPlaced,
    ),
    ("ordermesh.payment", "PaymentAuthorized", 1): ContractModels(
        "ordermesh.payment",
        "PaymentAuthorized",
        1,
        payment_authorized_v1.PaymentAuthorizedEvent,
        payment_authorized_v1.PaymentAuthorizedDetail,
        payment_authorized_v1.PaymentAuthorized,
    ),
    ("ordermesh.payment", "PaymentDeclined", 1): ContractModels(
        "ordermesh.payment",
        "PaymentDeclined",
        1,
        payment_declined_v1.PaymentDeclinedEvent,
        payment_declined_v1.PaymentDeclinedDetail,
        payment_declined_v1.PaymentDeclined,
    ),
    ("ordermesh.payment", "PaymentRefunded", 1): ContractModels(
        "ordermesh.payment",
        "PaymentRefunded",
        1,
        payment_refunded_v1.PaymentRefundedEvent,
        payment_refunded_v1.PaymentRefundedDetail,
        payment_refunded_v1.PaymentRefunded,
    ),
    ("ordermesh.saga", "AuthorizePayment", 1): ContractModels(
        "ordermesh.saga",
        "AuthorizePayment",
        1,
        authorize_payment_v1.AuthorizePaymentEvent,
        authorize_payment_v1.AuthorizePaymentDetail,
        authorize_payment_v1.AuthorizePayment,
    ),
    ("ordermesh.saga", "OrderSagaFailed", 1): ContractModels(
        "ordermesh.saga",
        "OrderSagaFailed",
        1,
        order_saga_failed_v1.OrderSagaFailedEvent,
        order_saga_failed_v1.OrderSagaFailedDetail,
        order_saga_failed_v1.OrderSagaFailed,
    ),
    ("ordermesh.saga", "OrderSagaSucceeded", 1): ContractModels(
        "ordermesh.saga",
        "OrderSagaSucceeded",
        1,
        order_saga_succeeded_v1.OrderSagaSucceededEvent,
        order_saga_succeeded_v1.OrderSagaSucceededDetail,
        order_saga_succeeded_v1.OrderSagaSucceeded,
    ),
    ("ordermesh.saga", "RefundPayment", 1): ContractModels(
        "ordermesh.saga",
        "RefundPayment",
        1,
        refund_payment_v1.RefundPaymentEvent,
        refund_payment_v1.RefundPaymentDetail,
        refund_payment_v1.RefundPayment,
    ),
    ("ordermesh.saga", "ReleaseInventory", 1): ContractModels(
        "ordermesh.saga",
        "ReleaseInventory",
        1,
        release_inventory_v1.ReleaseInventoryEvent,
        release_inventory_v1.ReleaseInventoryDetail,
        release_inventory_v1.ReleaseInventory,
    ),
    ("ordermesh.saga", "ReserveInventory", 1): ContractModels(
        "ordermesh.saga",
        "ReserveInventory",
        1,
        reserve_inventory_v1.ReserveInventoryEvent,
        reserve_inventory_v1.ReserveInventoryDetail,
        reserve_inventory_v1.ReserveInventory,
    ),
}
