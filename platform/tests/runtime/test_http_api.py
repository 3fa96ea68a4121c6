"""The local HTTP APIs (``runtime.http_api``) as API Gateway HTTP APIs run them: route keys with
``{param}`` and ``{proxy+}`` segments and API Gateway's precedence, the payload format 2.0 event,
a function's answer mapped to the HTTP response, the in-process ``call`` helper, and the gateway
endpoint (404, 500, 503, and the server's 413) served on loopback. Both the gateway's events and
``call``'s parse with powertools' ``APIGatewayProxyEventV2Model``."""

from __future__ import annotations

import base64
import http.client
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model
from ordermesh_platform.runtime.function_calls import FunctionError
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.http_api import (
    HttpApiGateway,
    HttpRoute,
    RouteTable,
    api_event,
    api_response,
    call,
)
from ordermesh_platform.runtime.lambda_context import LambdaContext
from ordermesh_platform.runtime.server import BackgroundServer
from ordermesh_platform.runtime.server_limits import ServerLimits
from ordermesh_platform.runtime.shapes import domain_name
from ordermesh_platform.shared.aws import clf_time
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

SETTINGS = FunctionSettings(handler="x:y", timeout=5)


def _table(*keys: str) -> RouteTable:
    return RouteTable(HttpRoute.parse(key, f"fn-{i}") for i, key in enumerate(keys))


def _parsed(event: dict[str, Any]) -> APIGatewayProxyEventV2Model:
    """``event`` parsed as powertools parses an HTTP API event, its time checked against its
    timeEpoch (the same instant, in API Gateway's ``12/Mar/2020:19:03:58 +0000`` form)."""
    parsed = APIGatewayProxyEventV2Model.model_validate(event)
    context = parsed.requestContext
    stamped = datetime.strptime(context.time, "%d/%b/%Y:%H:%M:%S %z")
    assert stamped == context.timeEpoch.replace(microsecond=0)
    assert stamped.tzinfo == UTC
    return parsed


def _matched(table: RouteTable, method: str, path: str) -> tuple[str, dict[str, str]] | None:
    found = table.match(method, path)
    return None if found is None else (found[0].route_key, found[1])


# --- routes -------------------------------------------------------------------------------------


def test_a_route_key_is_parsed_into_method_pattern_and_rank() -> None:
    route = HttpRoute.parse("GET /orders/{orderId}/lines", "order-api")
    assert (route.route_key, route.function, route.method) == (
        "GET /orders/{orderId}/lines",
        "order-api",
        "GET",
    )
    assert route.rank == (0, -2, 0)
    assert HttpRoute.parse("ANY /{proxy+}", "f").rank == (1, 0, 1)


def test_exact_paths_match_only_themselves() -> None:
    table = _table("GET /orders", "GET /")
    assert _matched(table, "GET", "/orders") == ("GET /orders", {})
    assert _matched(table, "GET", "/") == ("GET /", {})
    assert _matched(table, "GET", "/orders/x") is None
    assert _matched(table, "GET", "/order") is None


def test_a_parameter_is_one_whole_segment() -> None:
    table = _table("GET /orders/{orderId}")
    assert _matched(table, "GET", "/orders/ord_01JD7Q4K2M9T") == (
        "GET /orders/{orderId}",
        {"orderId": "ord_01JD7Q4K2M9T"},
    )
    assert _matched(table, "GET", "/orders/a/b") is None
    assert _matched(table, "GET", "/orders") is None


def test_a_greedy_parameter_takes_the_rest_of_the_path() -> None:
    table = _table("ANY /files/{proxy+}")
    assert _matched(table, "GET", "/files/a/b/c.txt") == (
        "ANY /files/{proxy+}",
        {"proxy": "a/b/c.txt"},
    )
    assert _matched(table, "GET", "/files") is None


def test_the_route_with_more_literal_segments_wins() -> None:
    table = _table("GET /orders/{orderId}", "GET /orders/search")
    assert _matched(table, "GET", "/orders/search") == ("GET /orders/search", {})
    assert _matched(table, "GET", "/orders/ord_1") == (
        "GET /orders/{orderId}",
        {"orderId": "ord_1"},
    )


def test_a_greedy_route_loses_to_any_other_match() -> None:
    table = _table("ANY /{proxy+}", "GET /orders/{orderId}", "ANY /orders/{proxy+}")
    assert _matched(table, "GET", "/orders/ord_1") == (
        "GET /orders/{orderId}",
        {"orderId": "ord_1"},
    )
    assert _matched(table, "GET", "/orders/ord_1/lines") == (
        "ANY /orders/{proxy+}",
        {"proxy": "ord_1/lines"},
    )
    assert _matched(table, "DELETE", "/health/deep") == ("ANY /{proxy+}", {"proxy": "health/deep"})


def test_an_exact_method_beats_any_and_other_methods_do_not_match() -> None:
    table = _table("ANY /orders", "POST /orders", "GET /stock")
    assert _matched(table, "POST", "/orders") == ("POST /orders", {})
    assert _matched(table, "PATCH", "/orders") == ("ANY /orders", {})
    assert _matched(table, "POST", "/stock") is None


def test_routes_are_kept_most_specific_first() -> None:
    table = _table("ANY /{proxy+}", "ANY /orders", "GET /orders/{id}", "GET /orders")
    assert [r.route_key for r in table] == [
        "GET /orders/{id}",
        "GET /orders",
        "ANY /orders",
        "ANY /{proxy+}",
    ]


def test_a_route_key_served_by_two_functions_is_refused() -> None:
    table = _table("GET /orders")
    with pytest.raises(ValueError, match="route 'GET /orders' is served by two functions"):
        table.add(HttpRoute.parse("GET /orders", "other"))


# --- the event ----------------------------------------------------------------------------------


def _request(
    method: str = "GET",
    path: str = "/orders/ord_1",
    query: bytes = b"",
    headers: tuple[tuple[str, str], ...] = (("host", "api.example.com"),),
) -> Request:
    return Request(
        {
            "type": "http",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": query,
            "headers": [(k.encode(), v.encode()) for k, v in headers],
            "client": ("10.0.0.7", 51234),
            "server": ("api.example.com", 443),
            "scheme": "https",
            "http_version": "1.1",
        }
    )


def test_the_event_is_payload_format_2_0() -> None:
    route = HttpRoute.parse("POST /orders/{orderId}", "order-api")
    request = _request(
        "POST",
        "/orders/ord_1",
        headers=(
            ("host", "api.example.com"),
            ("user-agent", "curl/8"),
            ("content-type", "application/json"),
        ),
    )
    event = api_event(request, b'{"a": 1}', route, {"orderId": "ord_1"})
    assert (event["version"], event["routeKey"], event["rawPath"], event["rawQueryString"]) == (
        "2.0",
        "POST /orders/{orderId}",
        "/orders/ord_1",
        "",
    )
    assert event["headers"] == {
        "host": "api.example.com",
        "user-agent": "curl/8",
        "content-type": "application/json",
    }
    assert (event["body"], event["isBase64Encoded"]) == ('{"a": 1}', False)
    assert event["pathParameters"] == {"orderId": "ord_1"}
    assert "queryStringParameters" not in event
    assert "cookies" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/orders/ord_1",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.0.0.7",
        "userAgent": "curl/8",
    }
    assert (context["accountId"], context["apiId"], context["stage"], context["routeKey"]) == (
        "000000000000",
        "local",
        "$default",
        "POST /orders/{orderId}",
    )
    assert (context["domainName"], context["domainPrefix"]) == ("api.example.com", "api")
    assert len(context["requestId"]) == 36
    assert isinstance(context["timeEpoch"], int)
    assert context["time"].endswith(" +0000")


def test_the_domain_name_is_the_host_headers_without_its_port() -> None:
    assert domain_name("api.example.com") == "api.example.com"
    assert domain_name("API.Example.com:8740") == "api.example.com"
    assert domain_name("[::1]:8740") == "[::1]"
    assert domain_name("[::1]") == "[::1]"


def test_the_request_time_is_written_as_api_gateway_writes_it() -> None:
    assert clf_time(1583348638.390) == "04/Mar/2020:19:03:58 +0000"
    assert clf_time(1767225600) == "01/Jan/2026:00:00:00 +0000"


def test_repeated_headers_and_query_parameters_are_joined_with_commas() -> None:
    request = _request(
        query=b"status=open&status=paid&limit=5",
        headers=(("host", "h"), ("accept", "text/html"), ("accept", "application/json")),
    )
    event = api_event(request, b"", HttpRoute.parse("GET /orders/{id}", "f"), {})
    assert event["headers"]["accept"] == "text/html,application/json"
    assert event["rawQueryString"] == "status=open&status=paid&limit=5"
    assert event["queryStringParameters"] == {"status": "open,paid", "limit": "5"}
    assert "body" not in event
    assert "pathParameters" not in event


def test_cookies_leave_the_headers_for_their_own_list() -> None:
    request = _request(headers=(("host", "h"), ("cookie", "session=abc; theme=dark")))
    event = api_event(request, b"", HttpRoute.parse("GET /orders/{id}", "f"), {})
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert "cookie" not in event["headers"]


def test_a_body_that_is_not_utf8_is_sent_base64_encoded() -> None:
    raw = b"\xff\xfe\x00binary"
    event = api_event(_request("POST"), raw, HttpRoute.parse("POST /orders/{id}", "f"), {})
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


# --- the response -------------------------------------------------------------------------------


def test_an_answer_without_status_code_is_a_200_json_body() -> None:
    response = api_response({"orderId": "ord_1", "status": "PENDING"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert json.loads(bytes(response.body)) == {"orderId": "ord_1", "status": "PENDING"}
    assert bytes(api_response(["a", 1]).body) == b'["a", 1]'
    assert bytes(api_response(None).body) == b"null"


def test_an_answer_with_status_code_sets_status_body_and_headers() -> None:
    response = api_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/problem+json", "X-Count": 3},
            "multiValueHeaders": {"Vary": ["Accept", "Origin"]},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": '{"ok":true}',
        }
    )
    assert response.status_code == 201
    assert bytes(response.body) == b'{"ok":true}'
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-count"] == "3"
    assert response.headers.getlist("vary") == ["Accept", "Origin"]
    assert response.headers.getlist("set-cookie") == ["a=1; Path=/", "b=2"]


def test_a_base64_encoded_answer_is_decoded() -> None:
    body = base64.b64encode(b"\x89PNG").decode()
    response = api_response({"statusCode": 200, "body": body, "isBase64Encoded": True})
    assert bytes(response.body) == b"\x89PNG"


def test_an_answer_without_a_body_is_empty() -> None:
    response = api_response({"statusCode": "204"})
    assert (response.status_code, bytes(response.body)) == (204, b"")


# --- call ---------------------------------------------------------------------------------------


@pytest.fixture
def seen(functions: Functions) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
        events.append(event)
        if event["routeKey"].startswith("GET"):
            return {"items": [event["pathParameters"]["sku"]]}
        body = {"received": json.loads(event["body"])}
        return {"statusCode": 201, "body": json.dumps(body)}

    functions.register("stock-api", SETTINGS, handler)
    return events


def test_call_invokes_the_route_function_and_returns_status_and_json(
    functions: Functions, seen: list[dict[str, Any]]
) -> None:
    routes = RouteTable([HttpRoute.parse("POST /stock/{sku}", "stock-api")])
    status, body = call(functions, routes, "POST", "/stock/MUG-1", {"quantity": 3})
    assert (status, body) == (201, {"received": {"quantity": 3}})
    [event] = seen
    assert (event["version"], event["routeKey"], event["rawPath"]) == (
        "2.0",
        "POST /stock/{sku}",
        "/stock/MUG-1",
    )
    assert event["pathParameters"] == {"sku": "MUG-1"}
    assert event["headers"] == {"content-type": "application/json", "host": "localhost"}
    assert event["body"] == '{"quantity": 3}'
    assert event["requestContext"]["http"]["method"] == "POST"


def test_call_sends_an_http_api_event_that_powertools_parses(
    functions: Functions, seen: list[dict[str, Any]]
) -> None:
    routes = RouteTable([HttpRoute.parse("POST /stock/{sku}", "stock-api")])
    call(functions, routes, "POST", "/stock/MUG-1", {"quantity": 3})
    context = _parsed(seen[0]).requestContext
    assert (context.domainName, context.domainPrefix) == ("localhost", "localhost")
    assert (context.http.method, context.http.path, context.http.userAgent) == (
        "POST",
        "/stock/MUG-1",
        "",
    )


def test_call_without_a_body_sends_none_and_reads_a_plain_answer(
    functions: Functions, seen: list[dict[str, Any]]
) -> None:
    routes = RouteTable([HttpRoute.parse("GET /stock/{sku}", "stock-api")])
    assert call(functions, routes, "GET", "/stock/MUG-1") == (200, {"items": ["MUG-1"]})
    assert "body" not in seen[0]


def test_call_of_an_unknown_route_is_a_lookup_error(functions: Functions) -> None:
    with pytest.raises(LookupError, match="no route for GET /nowhere"):
        call(functions, RouteTable(), "GET", "/nowhere")


def test_call_lets_a_failed_function_raise(functions: Functions) -> None:
    def broken(_event: Any, _context: LambdaContext) -> None:
        raise RuntimeError("boom")

    functions.register("broken", SETTINGS, broken)
    routes = RouteTable([HttpRoute.parse("GET /x", "broken")])
    with pytest.raises(FunctionError) as error:
        call(functions, routes, "GET", "/x")
    assert (error.value.error_type, error.value.message) == ("RuntimeError", "boom")


# --- the gateway on loopback --------------------------------------------------------------------


def _serve(gateway: HttpApiGateway) -> BackgroundServer:
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    app = Starlette(routes=[Route("/{path:path}", gateway.endpoint, methods=methods)])
    return BackgroundServer(app)


@pytest.fixture
def gateway(functions: Functions) -> Iterator[tuple[BackgroundServer, list[dict[str, Any]]]]:
    events: list[dict[str, Any]] = []

    def echo(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
        events.append(event)
        return {"statusCode": 202, "headers": {"x-route": event["routeKey"]}, "body": "accepted"}

    def broken(_event: Any, _context: LambdaContext) -> None:
        raise RuntimeError("boom")

    functions.register("echo", SETTINGS, echo)
    functions.register("broken", SETTINGS, broken)
    routes = RouteTable(
        [HttpRoute.parse("POST /orders/{orderId}", "echo"), HttpRoute.parse("GET /boom", "broken")]
    )
    with _serve(HttpApiGateway(functions, routes)) as server:
        yield server, events


def _send(
    server: BackgroundServer,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    chunked: bool = False,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request(method, path, body, headers or {}, encode_chunked=chunked)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_the_gateway_invokes_the_route_function_and_answers_with_its_response(
    gateway: tuple[BackgroundServer, list[dict[str, Any]]],
) -> None:
    server, events = gateway
    status, headers, body = _send(
        server, "POST", "/orders/ord_1?x=1", b'{"a":1}', {"Content-Type": "application/json"}
    )
    assert (status, headers["x-route"], body) == (202, "POST /orders/{orderId}", b"accepted")
    [event] = events
    assert (event["rawPath"], event["rawQueryString"], event["body"]) == (
        "/orders/ord_1",
        "x=1",
        '{"a":1}',
    )
    assert event["pathParameters"] == {"orderId": "ord_1"}
    assert event["queryStringParameters"] == {"x": "1"}
    assert event["headers"]["content-type"] == "application/json"
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"


def test_the_gateway_sends_an_http_api_event_that_powertools_parses(
    gateway: tuple[BackgroundServer, list[dict[str, Any]]],
) -> None:
    server, events = gateway
    _send(server, "POST", "/orders/ord_1", b"{}", {"User-Agent": "probe/1.0"})
    _send(server, "POST", "/orders/ord_2", b"{}")  # http.client sends no User-Agent
    with_agent, without_agent = (_parsed(e).requestContext for e in events)
    assert (with_agent.domainName, with_agent.domainPrefix) == ("127.0.0.1", "127")
    assert (with_agent.http.userAgent, without_agent.http.userAgent) == ("probe/1.0", "")
    assert "user-agent" not in events[1]["headers"]


def test_an_unmatched_path_or_method_is_404_not_found(
    gateway: tuple[BackgroundServer, list[dict[str, Any]]],
) -> None:
    server, events = gateway
    assert _send(server, "GET", "/nowhere")[::2] == (404, b'{"message":"Not Found"}')
    assert _send(server, "GET", "/orders/ord_1")[::2] == (404, b'{"message":"Not Found"}')
    assert events == []


def test_a_failing_function_is_500(gateway: tuple[BackgroundServer, list[dict[str, Any]]]) -> None:
    server, _ = gateway
    assert _send(server, "GET", "/boom")[::2] == (500, b'{"message":"Internal Server Error"}')


def test_a_function_that_times_out_is_503(functions: Functions) -> None:
    release = threading.Event()
    functions.register(
        "slow", FunctionSettings(handler="x:y", timeout=1), lambda _e, _c: release.wait(10)
    )
    routes = RouteTable([HttpRoute.parse("GET /slow", "slow")])
    try:
        with _serve(HttpApiGateway(functions, routes)) as server:
            answer = _send(server, "GET", "/slow")[::2]
            assert answer == (503, b'{"message":"Service Unavailable"}')
    finally:
        release.set()


def test_the_body_limit_is_api_gateways_10_mb() -> None:
    assert ServerLimits().max_body_bytes == 10 * 1024 * 1024


def test_a_declared_length_over_the_limit_is_413_before_the_body_is_read(
    gateway: tuple[BackgroundServer, list[dict[str, Any]]],
) -> None:
    server, events = gateway
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.putrequest("POST", "/orders/ord_1")
        connection.putheader("Content-Length", str(ServerLimits().max_body_bytes + 1))
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
        assert response.getheader("content-type") == "application/problem+json"
        assert json.loads(response.read())["title"] == "Content Too Large"
    finally:
        connection.close()
    assert events == []
