"""Every handler that takes an order's events traces each one in a subsegment of its own,
annotated with the order id and the event's correlation, causation and event ids, so X-Ray finds
an order's segments in every service by ``annotation.orderId``, and logs it under its
correlation id, which Logs Insights filters on (powertools' Tracer is off in tests: spies take
the calls, and the handler is stopped where its use case would begin)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

SCHEMAS = Path(__file__).resolve().parents[1] / "contracts" / "schemas"

# (the handler's module, the composition root function it calls first, an event it takes)
HANDLERS = [
    (
        "payment_service.entrypoints.commands",
        "container",
        "saga/AuthorizePayment/examples/v1/eur-order.json",
    ),
    (
        "inventory_service.entrypoints.commands",
        "container",
        "saga/ReserveInventory/examples/v1/single-line.json",
    ),
    (
        "order_service.entrypoints.saga_events",
        "container",
        "saga/OrderSagaSucceeded/examples/v1/eur-order.json",
    ),
    (
        "ordermesh_platform.saga.entrypoints.callback",
        "sagas",
        "inventory/InventoryReserved/examples/v1/single-line.json",
    ),
]


class UseCaseReachedError(Exception):
    """The handler went on to its use case."""


@pytest.mark.parametrize(("module", "root", "example"), HANDLERS)
def test_each_event_is_annotated_with_its_order_and_ids_before_it_is_handled(
    monkeypatch: pytest.MonkeyPatch, module: str, root: str, example: str
) -> None:
    entrypoint = importlib.import_module(module)
    event = json.loads((SCHEMAS / example).read_text())
    annotations: list[tuple[str, Any]] = []
    monkeypatch.setattr(
        entrypoint.tracer, "put_annotation", lambda key, value: annotations.append((key, value))
    )
    correlation: list[str | None] = []
    monkeypatch.setattr(entrypoint.logger, "set_correlation_id", correlation.append)
    monkeypatch.setattr(entrypoint.bootstrap, root, _reached)
    with pytest.raises(UseCaseReachedError):
        entrypoint.record_handler(SQSRecord({"messageId": "m-1", "body": json.dumps(event)}))
    metadata = event["detail"]["metadata"]
    assert annotations == [
        ("orderId", event["detail"]["data"]["orderId"]),
        ("correlationId", metadata["correlationId"]),
        ("causationId", metadata["causationId"]),
        ("eventId", metadata["eventId"]),
    ]
    assert correlation == [metadata["correlationId"]]


def _reached(*_args: Any) -> Any:
    raise UseCaseReachedError
