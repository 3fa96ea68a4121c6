"""The ids a handler puts on its X-Ray segment, from a parsed contract event or raw JSON."""

from __future__ import annotations

import json
from pathlib import Path

from ordermesh_contracts.models.order.order_placed_v2 import OrderPlacedDetail
from ordermesh_contracts.tracing import annotate, trace_ids

EXAMPLE = (
    Path(__file__).resolve().parents[1] / "schemas/order/OrderPlaced/examples/v2/single-line.json"
)


class SpyTracer:
    def __init__(self) -> None:
        self.annotations: list[tuple[str, str]] = []

    def put_annotation(self, key: str, value: str) -> None:
        self.annotations.append((key, value))


def test_a_parsed_event_annotates_its_order_and_its_ids() -> None:
    event = json.loads(EXAMPLE.read_text())
    detail = OrderPlacedDetail.model_validate(event["detail"])
    tracer = SpyTracer()
    annotate(tracer, detail)
    metadata = event["detail"]["metadata"]
    assert tracer.annotations == [
        ("orderId", event["detail"]["data"]["orderId"]),
        ("correlationId", metadata["correlationId"]),
        ("causationId", metadata["causationId"]),
        ("eventId", metadata["eventId"]),
    ]


def test_an_eventbridge_event_as_json_gives_the_same_ids() -> None:
    event = json.loads(EXAMPLE.read_text())
    detail = OrderPlacedDetail.model_validate(event["detail"])
    assert trace_ids(event) == trace_ids(detail)


def test_missing_ids_are_left_out() -> None:
    assert trace_ids({"detail": {"metadata": {"eventId": "e-1"}, "data": {}}}) == {"eventId": "e-1"}
    assert trace_ids({"detail-type": "x"}) == {}
