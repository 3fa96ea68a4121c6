"""Replies from the services (events echoing a task token) -> SendTaskSuccess/SendTaskFailure.

Consumes an SQS queue in batches; a reply that could not be delivered to Step Functions is
reported as a batch item failure and comes back. A reply no step waits for any more (late, or
delivered twice) is acknowledged and counted.
"""

from __future__ import annotations

import json
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
from ordermesh_contracts.tracing import follow

from ordermesh_platform.saga import bootstrap, service
from ordermesh_platform.saga.entrypoints import logger, metrics, tracer
from ordermesh_platform.saga.replies import decide

processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    event = json.loads(record.body)
    # a subsegment per reply and its log lines, found by the order in X-Ray and Logs Insights
    follow(event, tracer=tracer, logger=logger)
    decision = decide(event)
    if decision is None:
        logger.warning("a reply without a task token", extra={"eventId": event.get("id")})
        return
    if not service.resume(bootstrap.sagas(), decision):
        metrics.add_metric(name="StaleReplies", unit=MetricUnit.Count, value=1)
        logger.info("no step waits for this reply any more", extra={"eventId": event.get("id")})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
