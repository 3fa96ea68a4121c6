"""Following one order on a running system: ``ordermesh trace`` (run as a command beside the
running system, as an operator runs it) and ``GET /platform/trace/<orderId>`` show its whole
causal chain, with handler durations, the saga's states and the payment provider's call."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from ordermesh_platform.system import LocalSystem

from tests.e2e.conftest import ROOT, Client, order_body


def ordermesh(system: LocalSystem, *args: str) -> subprocess.CompletedProcess[str]:
    state = system.runtime.store.path.parent
    command = [sys.executable, "-m", "ordermesh_platform.cli", *args]
    command += ["--root", str(ROOT), "--state-dir", str(state)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def placed_and_settled(client: Client) -> str:
    order_id = client.place(order_body())["orderId"]
    assert client.settled(order_id)["status"] == "CONFIRMED"
    return str(order_id)


def index(spans: list[dict[str, Any]], kind: str, name: str) -> int:
    found = [i for i, s in enumerate(spans) if s["kind"] == kind and s["name"].startswith(name)]
    assert found, f"no {kind} span named {name}: {[(s['kind'], s['name']) for s in spans]}"
    return found[0]


def check_full_chain(trace: dict[str, Any]) -> None:
    spans = trace["spans"]
    assert trace["gaps"] == []
    chain = [
        index(spans, "request", "HTTP request to order-api"),
        index(spans, "event", "OrderPlaced v2"),
        index(spans, "invocation", "platform-saga-start"),
        index(spans, "execution", "saga order-saga"),
        index(spans, "state", "ReserveInventory"),
        index(spans, "event", "ReserveInventory"),
        index(spans, "invocation", "inventory-reserve-consumer"),
        index(spans, "event", "InventoryReserved"),
        index(spans, "state", "AuthorizePayment"),
        index(spans, "event", "AuthorizePayment"),
        index(spans, "invocation", "payment-authorize-consumer"),
        index(spans, "provider", "POST /v1/authorizations → 201"),
        index(spans, "event", "PaymentAuthorized"),
        index(spans, "event", "OrderSagaSucceeded"),
        index(spans, "invocation", "order-saga-succeeded-consumer"),
        index(spans, "event", "OrderConfirmed"),
    ]
    assert chain == sorted(chain), [spans[i]["name"] for i in chain]
    by_id = {s["id"]: s for s in spans}
    for name in ("inventory-reserve-consumer", "payment-authorize-consumer"):
        handled = spans[index(spans, "invocation", name)]
        assert handled["durationMs"] > 0
        assert handled["detail"]["outcome"] == "ok"
        delivery = by_id[handled["parent"]]
        assert delivery["kind"] == "delivery"
        assert delivery["detail"]["attempts"] == 1
    call = spans[index(spans, "provider", "POST /v1/authorizations")]
    assert by_id[call["parent"]]["detail"]["function"] == "payment-authorize-consumer"
    assert call["durationMs"] is not None  # from the request's arrival to its answer
    assert by_id[call["parent"]]["offsetMs"] <= call["offsetMs"]
    assert by_id[spans[index(spans, "event", "ReserveInventory")]["parent"]]["name"] == (
        "ReserveInventory"
    )
    assert all(s["offsetMs"] >= 0 for s in spans)


def test_ordermesh_trace_shows_an_orders_full_chain_with_handler_durations(
    system: LocalSystem, client: Client
) -> None:
    # Given an order placed and confirmed on a running system
    order_id = placed_and_settled(client)
    # When an operator traces it, for tools and on the terminal
    as_json = ordermesh(system, "trace", order_id, "--json")
    as_table = ordermesh(system, "trace", order_id)
    # Then the chain from the HTTP request to OrderConfirmed is there, in causal order
    assert as_json.returncode == 0, as_json.stderr
    trace = json.loads(as_json.stdout)
    assert trace["orderId"] == order_id
    assert trace["notes"] == []
    check_full_chain(trace)
    assert as_table.returncode == 0, as_table.stderr
    assert "OrderConfirmed v1" in as_table.stdout
    assert "payment-authorize-consumer" in as_table.stdout


def test_the_trace_endpoint_serves_the_same_chain(client: Client) -> None:
    order_id = placed_and_settled(client)
    status, trace, _ = client.request("GET", f"/platform/trace/{order_id}")
    assert status == 200, trace
    check_full_chain(trace)
    status, unknown, _ = client.request("GET", "/platform/trace/ord_UNKNOWN")
    assert status == 404, unknown
    assert unknown["spans"] == []


def test_the_trace_shows_the_analytics_stream_batch_that_counted_the_order(
    client: Client,
) -> None:
    # Given an order placed and confirmed, and the analytics consumer's stream batches after it
    order_id = placed_and_settled(client)
    deadline = time.monotonic() + 60
    while True:
        status, trace, _ = client.request("GET", f"/platform/trace/{order_id}")
        assert status == 200, trace
        spans = trace["spans"]
        streamed = [s for s in spans if s["detail"].get("source") == "kinesis:ordermesh-analytics"]
        if len(streamed) >= 2 or time.monotonic() > deadline:  # OrderPlaced, OrderConfirmed, ...
            break
        time.sleep(0.5)
    # Then each batch that held one of the order's events is an invocation below its delivery
    assert len(streamed) >= 2, [(s["kind"], s["name"]) for s in spans]
    by_id = {s["id"]: s for s in spans}
    for span in streamed:
        assert span["detail"]["outcome"] == "ok"
        assert span["durationMs"] >= 0
        delivery = by_id[span["parent"]]
        assert delivery["kind"] == "delivery"
        assert delivery["detail"]["target"] == "stream:ordermesh-analytics"
    placed = by_id[by_id[streamed[0]["parent"]]["parent"]]
    assert placed["name"].startswith("OrderPlaced")
