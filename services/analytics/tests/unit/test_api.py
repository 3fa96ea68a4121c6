"""The analytics API's handler on API Gateway HTTP API events (payload format 2.0), inside a
local environment (the KPI store in SQLite in its state folder): answers as JSON, and query
parameters refused with a problem document naming the parameter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from analytics_service import bootstrap
from analytics_service.entrypoints.api import handler
from analytics_service.service_layer.count_events import count_events
from ordermesh_contracts import environment
from tests.events import T0, event, money, stream_record
from tests.unit.test_stream_handler import Context


def api_event(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    raw = urlencode(query or {})
    return {
        "version": "2.0",
        "routeKey": f"GET {path}",
        "rawPath": path,
        "rawQueryString": raw,
        "queryStringParameters": query or None,
        "headers": {"host": "localhost"},
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "test",
            },
            "requestId": "req-1",
            "routeKey": f"GET {path}",
            "stage": "$default",
            "time": "05/Dec/2026:10:00:00 +0000",
            "timeEpoch": 1796464800000,
        },
        "isBase64Encoded": False,
    }


def get(path: str, **query: str) -> tuple[int, str, Any]:
    answer = handler(api_event(path, query), Context())  # type: ignore[arg-type]
    headers = {k.lower(): v for k, v in answer.get("headers", {}).items()}
    return answer["statusCode"], headers.get("content-type", ""), json.loads(answer["body"])


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Path]:
    env = environment.LocalEnvironment(
        tmp_path, lambda _name: None, {"EVENT_BUS_NAME": "ordermesh"}
    )
    environment.activate(env)
    yield tmp_path
    environment.deactivate(env)


def deliver(events: list[dict[str, Any]]) -> None:
    container = bootstrap.container()
    records = [stream_record("s", i, e) for i, e in enumerate(events)]
    count_events(records, container.store, container.settings, container.clock())


def test_kpis_are_a_series_of_windows(local: Path) -> None:  # noqa: ARG001 - the environment
    # Given two orders placed in the first minute after T0 and one in the third
    deliver(
        [
            event("placed", T0 + timedelta(seconds=s), f"ord_{s}", total=money("9.00", "EUR"))
            for s in (5, 30, 150)
        ]
    )
    # When orders placed are asked per minute over five minutes
    start, end = "2026-12-05T10:00:00Z", "2026-12-05T10:05:00+00:00"
    status, _, body = get("/analytics/kpis", metric="orders_placed", **{"from": start, "to": end})
    # Then one point per minute
    assert status == 200, body
    assert [p["value"] for p in body["points"]] == [2, 0, 1, 0, 0]
    status, _, body = get(
        "/analytics/kpis",
        metric="orders_placed",
        granularity="1h",
        dimension="currency",
        **{"from": start, "to": end},
    )
    assert body["points"][0]["values"] == {"EUR": 3}


def test_now_answers_the_current_windows(local: Path) -> None:  # noqa: ARG001
    # Given an order placed a moment ago
    deliver([event("placed", datetime.now(UTC), "ord_now", total=money("3.50", "EUR"))])
    status, _, body = get("/analytics/now")
    assert status == 200, body
    assert body["windows"]["1d"]["kpis"]["orders_placed"] == 1
    assert set(body["windows"]) == {"1m", "5m", "1h", "1d"}


def test_anomalies_are_none_until_scoring_stores_them(local: Path) -> None:  # noqa: ARG001
    status, _, body = get("/analytics/anomalies", since="2026-12-05T10:00:00Z")
    assert (status, body) == (200, {"since": "2026-12-05T10:00:00Z", "items": []})


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/analytics/kpis", {}, "query:metric"),
        ("/analytics/kpis", {"metric": "happiness"}, "query:metric"),
        ("/analytics/kpis", {"metric": "orders_placed", "granularity": "2m"}, "query:granularity"),
        ("/analytics/kpis", {"metric": "orders_placed", "from": "yesterday"}, "query:from"),
        ("/analytics/kpis", {"metric": "orders_placed", "to": "2026-12-05T10:00:00"}, "query:to"),
        ("/analytics/kpis", {"metric": "revenue"}, "query:dimension"),
        ("/analytics/kpis", {"metric": "revenue", "dimension": "reason"}, "query:dimension"),
        (
            "/analytics/kpis",
            {"metric": "orders_placed", "from": "2026-12-05T10:00:00Z", "to": "2026-12-04T10:00Z"},
            "query:from",
        ),
        (
            "/analytics/kpis",
            {"metric": "orders_placed", "from": "2026-11-05T10:00:00Z", "to": "2026-12-04T10:00Z"},
            "query:to",
        ),
        ("/analytics/anomalies", {"since": "12/05/2026"}, "query:since"),
        ("/analytics/anomalies", {"since": "2999-01-01T00:00:00Z"}, "query:since"),
    ],
)
def test_bad_query_parameters_are_a_problem_naming_them(
    local: Path,  # noqa: ARG001
    path: str,
    query: dict[str, str],
    field: str,
) -> None:
    status, content_type, problem = get(path, **query)
    assert (status, content_type) == (422, "application/problem+json"), problem
    assert [e["field"] for e in problem["errors"]] == [field]
    assert field in problem["detail"]


def test_an_unknown_path_is_a_404_problem(local: Path) -> None:  # noqa: ARG001
    status, content_type, _ = get("/analytics/nothing")
    assert (status, content_type) == (404, "application/problem+json")
