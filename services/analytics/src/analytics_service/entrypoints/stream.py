"""The analytics stream's consumer: a Kinesis batch counted into the KPI windows, the windows
that are final scored by the anomaly models, and the anomalies found published.

Records that are not ordermesh events are reported in ``batchItemFailures`` (the mapping
retries from the lowest, then sends the batch's record to its on-failure destination); a
storage failure fails the whole batch, which the mapping bisects and retries. Counting is
idempotent, so whatever is delivered again counts once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import KinesisDataStreamModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from analytics_service import bootstrap
from analytics_service.entrypoints import logger, metrics, tracer
from analytics_service.service_layer.consume_batch import consume_batch
from analytics_service.service_layer.count_events import StreamRecord


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:  # noqa: ARG001 - the decorators read it
    batch = parse(event=event, model=KinesisDataStreamModel)
    records = [
        StreamRecord(
            r.eventID.split(":", 1)[0],
            r.kinesis.sequenceNumber,
            r.kinesis.data,
            datetime.fromtimestamp(r.kinesis.approximateArrivalTimestamp, UTC),
        )
        for r in batch.Records
        if isinstance(r.kinesis.data, bytes)
    ]
    done = consume_batch(records, bootstrap.container().ports())
    counted = done.counted
    metrics.add_metric(name="EventsCounted", unit=MetricUnit.Count, value=counted.counted)
    metrics.add_metric(name="LateEvents", unit=MetricUnit.Count, value=counted.late)
    metrics.add_metric(name="DuplicateEvents", unit=MetricUnit.Count, value=counted.duplicates)
    metrics.add_metric(name="UnreadableRecords", unit=MetricUnit.Count, value=len(counted.failed))
    metrics.add_metric(
        name="WindowsFinalised", unit=MetricUnit.Count, value=len(counted.became_final)
    )
    metrics.add_metric(name="AnomaliesPublished", unit=MetricUnit.Count, value=done.published)
    if done.scored.windows:
        logger.info("windows scored", extra={"windows": done.scored.windows})
    return {"batchItemFailures": [{"itemIdentifier": s} for s in counted.failed]}
