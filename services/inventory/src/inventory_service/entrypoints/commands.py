"""ReserveInventory and ReleaseInventory from the saga -> the reply, echoing the task token.

Consumes an SQS queue in batches with partial failures. The outcome is stored per order before
the reply is published, so a command delivered again (or retried after the bus refused the
reply) publishes the same reply again and reserves nothing twice.
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
from ordermesh_contracts.models.saga.release_inventory_v1 import ReleaseInventoryDetail
from ordermesh_contracts.models.saga.reserve_inventory_v1 import ReserveInventoryDetail
from ordermesh_contracts.parsing import parse_detail
from ordermesh_contracts.publishing import Outgoing

from inventory_service import bootstrap
from inventory_service.domain.events import DomainEvent
from inventory_service.entrypoints import logger, metrics, tracer
from inventory_service.service_layer import messages
from inventory_service.service_layer.release import release_inventory
from inventory_service.service_layer.reserve import reserve_inventory

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    detail = parse_detail(record.body)
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
    metadata = detail.metadata
    reply, *signals = messages.to_contracts(produced)
    correlation, causation = metadata.correlation_id, metadata.event_id
    container.publisher.publish(
        Outgoing(reply, correlation, causation, task_token=metadata.task_token),
        *(Outgoing(signal, correlation, causation) for signal in signals),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
