"""End to end on the local runtime: the analytics API over HTTP counts the orders placed through
the order API, refuses bad query parameters with problem documents, and is described by the
OpenAPI document served beside it; the platform's status and the dashboard page are served."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from ordermesh_platform.system import LocalSystem

from tests.e2e.conftest import ROOT, Client, order_body, wait_for


def _today(client: Client, metric: str, **query: str) -> tuple[int, Any]:
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    params = {"metric": metric, "granularity": "1d", "from": start.isoformat(), **query}
    params["to"] = (start + timedelta(days=1)).isoformat()
    status, body, _ = client.request("GET", f"/analytics/kpis?{urlencode(params)}")
    return status, body


def test_the_analytics_api_counts_the_orders_placed(client: Client) -> None:
    # Given three orders placed over the order API, two confirmed and one declined
    placed = [
        client.place(order_body(customer=c, quantity=2))
        for c in ("cus_alice01", "cus_bob0001", "cus_declinedfunds1")
    ]
    settled = [client.settled(o["orderId"])["status"] for o in placed]
    assert sorted(settled) == ["CANCELLED", "CONFIRMED", "CONFIRMED"]
    # When the analytics API is asked for today's orders, then it counts the three of them (each
    # of the stream's shards is read by its own poll: the confirmations on one can be counted
    # before an OrderPlaced on the other)
    for metric, value in (("orders_confirmed", 2), ("orders_placed", 3)):
        wait_for(
            lambda metric=metric, value=value: (
                _today(client, metric)[1]["points"][0]["value"] == value
            ),
            15.0,
            f"{metric} {value} in the analytics API",
        )
    revenue = _today(client, "revenue", dimension="currency")[1]["points"][0]["values"]
    assert revenue == {"EUR": "159.60"}
    assert _today(client, "payment_decline_rate")[1]["points"][0]["value"] == 1 / 3
    status, now, _ = client.request("GET", "/analytics/now")
    assert status == 200
    assert now["windows"]["1d"]["kpis"]["orders_cancelled"] == 1
    status, anomalies, _ = client.request("GET", "/analytics/anomalies")
    assert (status, anomalies["items"]) == (200, [])


def test_bad_query_parameters_are_problems_naming_them(client: Client) -> None:
    status, problem, headers = client.request("GET", "/analytics/kpis?metric=orders&from=soon")
    assert (status, headers["content-type"]) == (422, "application/problem+json")
    assert {e["field"] for e in problem["errors"]} == {"query:metric", "query:from"}
    status, problem, _ = client.request("GET", "/analytics/kpis?metric=revenue&dimension=sku")
    assert (status, [e["field"] for e in problem["errors"]]) == (422, ["query:dimension"])


def test_the_openapi_document_is_served_as_committed(client: Client) -> None:
    status, document, _ = client.request("GET", "/openapi/analytics.json")
    assert status == 200
    committed = json.loads((ROOT / "services/analytics/openapi.json").read_text())
    assert document == committed
    assert {"/analytics/kpis", "/analytics/now", "/analytics/anomalies"} <= set(document["paths"])


def test_the_platform_status_has_queues_breakers_and_consumer_lag(
    client: Client, system: LocalSystem
) -> None:
    placed = client.place(order_body())
    client.settled(placed["orderId"])
    status = wait_for(
        lambda: (
            (s := client.request("GET", "/platform/status")[1])["consumers"][0]["recordsBehind"]
            == 0
            and s
        ),
        15.0,
        "the analytics consumer to catch up",
    )
    [consumer] = status["consumers"]
    assert (consumer["name"], consumer["stream"]) == ("analytics-kpis", "ordermesh-analytics")
    assert len(consumer["shards"]) == len(system.runtime.stream_consumers[0].shard_ids)
    queues = {q["name"]: q for q in status["deadLetterQueues"]}
    assert queues["payment-authorize-dlq"] == {
        "name": "payment-authorize-dlq",
        "messages": 0,
        "fedBy": ["payment-authorize"],
    }
    assert "stream consumer analytics-kpis" in queues["analytics-kpis-failed"]["fedBy"]
    # a breaker that never tripped has no state stored: it is closed
    assert status["breakers"] == []


def _breakers(client: Client) -> list[tuple[str, str]]:
    return [
        (b["name"], b["status"]) for b in client.request("GET", "/platform/status")[1]["breakers"]
    ]


def test_the_platform_status_shows_the_breaker_open_during_an_outage(
    client: Client, system: LocalSystem
) -> None:
    system.provider.set_down(down=True)
    for i in range(3):
        client.place(order_body(customer=f"cus_outage{i}"))
    wait_for(lambda: ("payment-provider", "OPEN") in _breakers(client), 20, "the breaker to open")
    system.provider.set_down(down=False)


def test_the_dashboard_page_and_its_assets_are_served(system: LocalSystem) -> None:
    for path, kind in [
        ("/dashboard", "text/html"),
        ("/dashboard/dashboard.js", "text/javascript"),
        ("/dashboard/dashboard.css", "text/css"),
    ]:
        with urllib.request.urlopen(system.url + path, timeout=10) as response:  # noqa: S310
            assert response.status == 200
            assert response.headers["content-type"].startswith(kind)
            assert response.read()
