"""OrderPlaced (v2) -> the order's saga, named by the order id (a duplicate starts nothing)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from ordermesh_contracts.models.order.order_placed_v2 import OrderPlacedDetail
from ordermesh_contracts.parsing import ContractEventBridgeEnvelope
from ordermesh_contracts.tracing import annotate

from ordermesh_platform.saga import bootstrap, service
from ordermesh_platform.saga.entrypoints import CORRELATION_ID, logger, metrics, tracer


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=OrderPlacedDetail, envelope=ContractEventBridgeEnvelope)
def handler(placed: OrderPlacedDetail, _context: LambdaContext) -> dict[str, Any]:
    annotate(tracer, placed)
    started = service.start(bootstrap.sagas(), service.input_for(placed))
    name = "SagasStarted" if started.created else "DuplicateSagaStarts"
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    return {"executionArn": started.execution_arn, "created": started.created}
