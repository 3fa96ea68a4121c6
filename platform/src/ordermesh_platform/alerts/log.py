"""The alert topic's log subscription: every alert as one structured log line.

SNS invokes it with ``Records[].Sns``; powertools' SnsModel parses the event, each message is
read as an alert and logged (a message that is not an alert is logged as such, not retried).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import SnsModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from ordermesh_platform.alerts.reading import alert_line, read_alert

logger = Logger(service="alerts")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    del context  # inject_lambda_context logs it
    records = parse(event=event, model=SnsModel).Records
    for record in records:
        try:
            alert = read_alert(str(record.Sns.Message))
        except ValueError as exc:
            logger.warning(
                "not an alert", extra={"messageId": record.Sns.MessageId, "why": str(exc)}
            )
            continue
        logger.info(
            alert_line(alert), extra={"anomalyId": alert.anomaly_id, "severity": alert.severity}
        )
    return {"logged": len(records)}
