"""Alerts read back from the alert topic's messages, and the log subscription's handler."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ordermesh_contracts.catalog import load_catalog
from ordermesh_platform.alerts import alert_line, log, read_alert
from ordermesh_platform.runtime.lambda_context import LambdaContext
from ordermesh_platform.runtime.topic_messages import PublishedMessage, lambda_event

EXAMPLES = [event for _, event in load_catalog().find("AnomalyDetected@1").load_examples()]


def test_an_alert_is_read_from_the_event_json_and_summarised_on_one_line() -> None:
    event = EXAMPLES[0]
    alert = read_alert(json.dumps(event))
    data = event["detail"]["data"]
    assert (alert.anomaly_id, alert.metric, alert.severity) == (
        data["anomalyId"],
        data["metric"],
        data["severity"],
    )
    line = alert_line(alert)
    assert "\n" not in line
    assert line.startswith(data["severity"])


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ("not json", "not JSON"),
        (json.dumps({"detail-type": "OrderPlaced"}), "not an AnomalyDetected event"),
        (json.dumps({"detail-type": "AnomalyDetected", "detail": {"data": {}}}), "lacks"),
    ],
)
def test_a_message_that_is_not_an_alert_says_why(message: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        read_alert(message)


def test_the_log_function_logs_every_alert_of_its_sns_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logged: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(log.logger, "info", lambda message, extra: logged.append((message, extra)))
    published = PublishedMessage(
        "arn:aws:sns:us-east-1:000000000000:ordermesh-alerts",
        "m-1",
        json.dumps(EXAMPLES[0]),
        0.0,
    )
    event = json.loads(lambda_event(published, "arn:aws:sns:us-east-1:000000000000:t:s"))
    context = LambdaContext("platform-ordermesh-alerts-log", timeout=10)
    assert log.handler(event, context) == {"logged": 1}
    [(line, keys)] = logged
    data = EXAMPLES[0]["detail"]["data"]
    assert data["anomalyId"] in line
    assert keys == {"anomalyId": data["anomalyId"], "severity": data["severity"]}
