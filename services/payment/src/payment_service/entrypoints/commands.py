"""AuthorizePayment and RefundPayment from the saga -> the reply, echoing the task token.

Consumes an SQS queue in batches with partial failures. While the provider is unavailable (the
breaker is open, or retries ran out) the command fails and its message comes back after the
queue's visibility timeout: the saga keeps waiting and the order completes after recovery; it is
never declined for an outage. Each command is handled once per event (powertools idempotency,
keyed on ``metadata.eventId``); beneath that, payments are stored per order, so a command that
runs again replies the same and never charges twice.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from ordermesh_contracts.environment import per_environment
from ordermesh_contracts.idempotency import OncePerEvent
from ordermesh_contracts.models.saga.authorize_payment_v1 import AuthorizePaymentDetail
from ordermesh_contracts.models.saga.refund_payment_v1 import RefundPaymentDetail
from ordermesh_contracts.parsing import parse_detail
from ordermesh_contracts.publishing import Outgoing
from ordermesh_contracts.tracing import follow

from payment_service import bootstrap
from payment_service.domain.breaker import BreakerStatus
from payment_service.domain.errors import ProviderUnavailableError
from payment_service.domain.events import PaymentEvent
from payment_service.entrypoints import logger, metrics, tracer
from payment_service.service_layer import messages
from payment_service.service_layer.authorize_payment import authorize_payment
from payment_service.service_layer.refund_payment import refund_payment

processor = BatchProcessor(event_type=EventType.SQS)


def _handle(detail: AuthorizePaymentDetail | RefundPaymentDetail) -> PaymentEvent:
    c = bootstrap.container()
    if isinstance(detail, AuthorizePaymentDetail):
        command = messages.authorize_command(detail.data)
        return authorize_payment(command, c.payments, c.provider, c.resilience)
    refund = messages.refund_command(detail.data)
    return refund_payment(refund, c.payments, c.provider, c.resilience)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    detail = parse_detail(record.body)
    # a subsegment per command and its log lines, found by the order in X-Ray and Logs Insights
    follow(detail, tracer=tracer, logger=logger)
    if not isinstance(detail, AuthorizePaymentDetail | RefundPaymentDetail):
        logger.warning("not a command of this service", extra={"type": type(detail).__name__})
        return
    try:
        outcome = _handle(detail)
    except ProviderUnavailableError:
        metrics.add_metric(name="ProviderUnavailable", unit=MetricUnit.Count, value=1)
        raise
    metadata = detail.metadata
    bootstrap.container().publisher.publish(
        Outgoing(
            messages.to_contract(outcome),
            correlation_id=metadata.correlation_id,
            causation_id=metadata.event_id,
            task_token=metadata.task_token,
        )
    )


once_per_event = per_environment(
    lambda: OncePerEvent(record_handler, bootstrap.container().idempotency)
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    once = once_per_event()
    once.register(context)
    response = process_partial_response(
        event=event, record_handler=once, processor=processor, context=context
    )
    # The dashboard's breaker panel: 1 while calls to the provider are refused.
    state = bootstrap.container().resilience.breaker.state()
    metrics.add_metric(
        name="CircuitBreakerOpen",
        unit=MetricUnit.Count,
        value=int(state.status is BreakerStatus.OPEN),
    )
    return response
