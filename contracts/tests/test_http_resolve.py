"""``resolve`` and ``register``'s handlers on a small powertools ``APIGatewayHttpResolver`` app:
a valid request answered by its route, the body limit checked before the app parses anything,
and a route's problem, invalid body, query and path fields, an unknown route and a body that is
not UTF-8 each answered as a problem document."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from ordermesh_contracts import http
from ordermesh_contracts.http import ProblemError

from .http_support import Line, NewOrder, _event


@pytest.fixture
def app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    http.register(app)
    app.calls = []  # type: ignore[attr-defined]

    @app.post("/orders")
    def create(body: Annotated[NewOrder, Body()]) -> dict[str, Any]:
        app.calls.append(body)  # type: ignore[attr-defined]
        return {"customerId": body.customer_id, "lines": len(body.lines)}

    @app.get("/orders/<order_id>")
    def read(order_id: Annotated[str, Path(pattern=r"^ord_[0-9]{3}$")]) -> dict[str, Any]:
        if order_id == "ord_404":
            raise ProblemError(404, f"no order {order_id}", extra={"orderId": order_id})
        return {"orderId": order_id}

    @app.get("/orders")
    def listing(limit: Annotated[int, Query(ge=1, le=10)] = 5) -> dict[str, Any]:
        return {"limit": limit}

    @app.post("/lines")
    def line() -> dict[str, Any]:
        parsed = Line.model_validate(app.current_event.json_body)
        return {"sku": parsed.sku}

    return app


def _answer(response: dict[str, Any]) -> tuple[int, str, Any]:
    content_type = {k.lower(): v for k, v in response["headers"].items()}["content-type"]
    return response["statusCode"], content_type, json.loads(response["body"])


def test_resolve_answers_a_valid_request_from_the_route(app: APIGatewayHttpResolver) -> None:
    body = json.dumps({"customerId": "cus_1", "lines": [{"sku": "MUG", "quantity": 1}]})
    response = http.resolve(app, _event(body=body), None)
    assert _answer(response) == (200, "application/json", {"customerId": "cus_1", "lines": 1})


def test_resolve_refuses_a_body_over_the_limit_before_the_app_parses_it(
    app: APIGatewayHttpResolver,
) -> None:
    response = http.resolve(app, _event(body="{" * 100), None, max_body_bytes=99)
    assert response == {
        "statusCode": 413,
        "headers": {"Content-Type": "application/problem+json"},
        "body": '{"type":"about:blank","title":"Content Too Large","status":413,'
        '"detail":"the body is 100 bytes; at most 99 are accepted",'
        '"errors":[{"field":"","detail":"the body is 100 bytes; at most 99 are accepted"}]}',
        "isBase64Encoded": False,
    }
    assert app.calls == []  # type: ignore[attr-defined]


def test_resolve_uses_the_default_limit(app: APIGatewayHttpResolver) -> None:
    response = http.resolve(app, _event(body=" " * (64 * 1024 + 1)), None)
    assert response["statusCode"] == 413


def test_resolve_refuses_bad_base64_with_a_400_problem(app: APIGatewayHttpResolver) -> None:
    response = http.resolve(app, _event(body="%%%", encoded=True), None)
    assert _answer(response) == (
        400,
        "application/problem+json",
        {
            "type": "about:blank",
            "title": "Bad Request",
            "status": 400,
            "detail": "the body is not valid base64",
            "errors": [{"field": "", "detail": "the body is not valid base64"}],
        },
    )


def test_a_problem_raised_by_a_route_is_its_document(app: APIGatewayHttpResolver) -> None:
    response = http.resolve(app, _event("GET", "/orders/ord_404"), None)
    assert _answer(response) == (
        404,
        "application/problem+json",
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "no order ord_404",
            "orderId": "ord_404",
        },
    )


def test_invalid_body_fields_are_a_422_naming_them(app: APIGatewayHttpResolver) -> None:
    body = json.dumps({"customerId": "c", "lines": [{"sku": "A", "quantity": 0}], "x": 1})
    status, content_type, document = _answer(http.resolve(app, _event(body=body), None))
    assert (status, content_type) == (422, "application/problem+json")
    assert document["detail"] == "the request is not valid: lines[0].quantity, x"
    assert document["errors"] == [
        {"field": "lines[0].quantity", "detail": "Input should be greater than or equal to 1"},
        {"field": "x", "detail": "is not a field of this request"},
    ]
    assert app.calls == []  # type: ignore[attr-defined]


def test_a_body_that_is_not_json_is_a_400(app: APIGatewayHttpResolver) -> None:
    status, _, document = _answer(http.resolve(app, _event(body="{nope"), None))
    assert (status, document["detail"]) == (400, "the body is not valid JSON")


def test_invalid_query_and_path_parameters_are_named_by_where_they_are(
    app: APIGatewayHttpResolver,
) -> None:
    status, _, document = _answer(
        http.resolve(app, _event("GET", "/orders", query={"limit": "99"}), None)
    )
    assert (status, document["errors"]) == (
        422,
        [{"field": "query:limit", "detail": "Input should be less than or equal to 10"}],
    )
    status, _, document = _answer(http.resolve(app, _event("GET", "/orders/nope"), None))
    assert status == 422
    assert [e["field"] for e in document["errors"]] == ["path:order_id"]


def test_a_pydantic_error_a_route_lets_through_is_a_422(app: APIGatewayHttpResolver) -> None:
    status, _, document = _answer(http.resolve(app, _event("POST", "/lines", body="{}"), None))
    assert status == 422
    assert document["errors"] == [
        {"field": "sku", "detail": "is required"},
        {"field": "quantity", "detail": "is required"},
    ]


def test_an_unknown_route_is_a_404_problem(app: APIGatewayHttpResolver) -> None:
    assert _answer(http.resolve(app, _event("GET", "/nowhere"), None)) == (
        404,
        "application/problem+json",
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "no resource at GET /nowhere",
            "errors": [{"field": "path", "detail": "no resource at GET /nowhere"}],
        },
    )


def test_a_path_parameter_the_route_patterns_do_not_take_is_a_404_naming_the_path(
    app: APIGatewayHttpResolver,
) -> None:
    status, _, document = _answer(http.resolve(app, _event("GET", "/orders/\u00b1"), None))
    assert (status, document["errors"][0]["field"]) == (404, "path")


def test_resolve_refuses_a_body_that_is_not_utf8_with_a_400_naming_the_body(
    app: APIGatewayHttpResolver,
) -> None:
    # powertools' body validation decodes the body as UTF-8 and let the error through: a 500
    body = base64.b64encode(b'\xff\xfe{"customerId":"c"}').decode()
    status, content_type, document = _answer(
        http.resolve(app, _event(body=body, encoded=True), None)
    )
    detail = "the body is not UTF-8 text: byte 0xff at 0"
    assert (status, content_type, document["detail"]) == (400, http.PROBLEM_JSON, detail)
    assert document["errors"] == [{"field": "", "detail": detail}]
    assert app.calls == []  # type: ignore[attr-defined]
