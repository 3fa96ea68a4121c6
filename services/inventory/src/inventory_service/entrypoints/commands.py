"""ReserveInventory and ReleaseInventory from the saga -> the reply, echoing the task token.

Consumes an SQS queue in batches with partial failures. Each command is handled once per event
(powertools idempotency, keyed on ``metadata.eventId``): a redelivery or a replay of the same
command does nothing again. Beneath that, the outcome is stored per order before the reply is
published, so a command that failed after reserving (the bus refused the reply, say) and runs
again publishes the same reply and reserves nothing twice.
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
from ordermesh_contracts.environment import per_environment
from ordermesh_contracts.idempotency import OncePerEvent
from ordermesh_contracts.models.saga.release_inventory_v1 import ReleaseInventoryDetail
from ordermesh_contracts.models.saga.reserve_inventory_v1 import ReserveInventoryDetail
from ordermesh_contracts.parsing import parse_detail
from ordermesh_contracts.publishing import Outgoing
from ordermesh_contracts.tracing import follow

from inventory_service import bootstrap
from inventory_service.domain.events import DomainEvent
from inventory_service.entrypoints import logger, metrics, tracer
from inventory_service.service_layer import messages
from inventory_service.service_layer.release import release_inventory
from inventory_service.service_layer.reserve import reserve_inventory

processor = BatchProcessor(event_type=EventType.SQS)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    detail = parse_detail(record.body)
    # a subsegment per command and its log lines, found by the order in X-Ray and Logs Insights
    follow(detail, tracer=tracer, logger=logger)
    container = bootstrap.container()
    produced: tuple[DomainEvent, ...]
    if isinstance(detail, ReserveInventoryDetail):
        command = messages.reserve_command(detail.data)
        produced = reserve_inventory(command, container.unit_of_work(), container.clock)
    elif isinstance(detail, ReleaseInventoryDetail):
        release = messages.release_command(detail.data)
        produced = (release_inventory(release, container.unit_of_work()),)
    else:
        logger.warning("not a command of this service", extra={"type": type(detail).__name__})
        return
    if not produced:
        logger.info("the saga released this order before it was reserved: nothing reserved")
        return
    metadata = detail.metadata
    reply, *signals = messages.to_contracts(produced)
    correlation, causation = metadata.correlation_id, metadata.event_id
    container.publisher.publish(
        Outgoing(reply, correlation, causation, task_token=metadata.task_token),
        *(Outgoing(signal, correlation, causation) for signal in signals),
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
    return process_partial_response(
        event=event, record_handler=once, processor=processor, context=context
    )
