"""The saga's outcomes (and the replies that mark its progress) -> the order's status.

Consumes an SQS queue in batches with partial failures: OrderSagaSucceeded confirms the order,
OrderSagaFailed cancels it, InventoryReserved and PaymentAuthorized are recorded as progress.
Every change is idempotent (a final status is never changed again), so a redelivered event
changes nothing.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from ordermesh_contracts.parsing import parse_detail
from ordermesh_contracts.tracing import follow

from order_service import bootstrap
from order_service.entrypoints import logger, metrics, tracer
from order_service.service_layer import saga_outcomes

processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    detail = parse_detail(record.body)
    # a subsegment per event and its log lines, found by the order in X-Ray and Logs Insights
    follow(detail, tracer=tracer, logger=logger)
    container = bootstrap.container()
    saga_outcomes.apply(detail, container.ports())
    container.relay.kick()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
