"""The ordermesh HTTP conventions (``ordermesh_contracts.http``): RFC 9457 problem documents,
field paths, pydantic and powertools validation errors as 422s naming each field, strict JSON
bodies (413, 415, 400, 422), ``resolve``'s body limit checked before anything parses, and
``register``'s handlers on a small powertools ``APIGatewayHttpResolver`` app, including a full
disk's 503."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from ordermesh_contracts import http
from ordermesh_contracts.http import FieldError, ProblemError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str
    quantity: Annotated[int, Field(ge=1)]


class NewOrder(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    customer_id: Annotated[str, Field(alias="customerId")]
    lines: Annotated[list[Line], Field(min_length=1)]


class Window(BaseModel):
    start: int
    end: int

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


def _event(
    method: str = "POST",
    path: str = "/orders",
    body: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    *,
    encoded: bool = False,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"} if headers is None else headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "22/Nov/2026:09:00:00 +0000",
            "timeEpoch": 0,
        },
        "isBase64Encoded": encoded,
    }
    if body is not None:
        event["body"] = body
    if query is not None:
        event["queryStringParameters"] = query
    return event


def _problem(exc_info: pytest.ExceptionInfo[ProblemError]) -> tuple[int, str]:
    return exc_info.value.status, exc_info.value.detail


def _validation_error(model: type[BaseModel], data: Any) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        model.model_validate(data)
    return error.value


# --- problem documents --------------------------------------------------------------------------


def test_a_problem_document_has_type_title_status_and_detail() -> None:
    problem = ProblemError(404, "no order ord_1")
    assert problem.to_json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no order ord_1",
    }
    assert str(problem) == "no order ord_1"


@pytest.mark.parametrize(
    ("status", "title"),
    [
        (400, "Bad Request"),
        (405, "Method Not Allowed"),
        (409, "Conflict"),
        (413, "Content Too Large"),
        (415, "Unsupported Media Type"),
        (422, "Unprocessable Content"),
        (500, "Internal Server Error"),
        (503, "Service Unavailable"),
        (418, "Error"),
    ],
)
def test_the_title_is_the_status_reason(status: int, title: str) -> None:
    assert ProblemError(status, "d").to_json()["title"] == title


def test_field_errors_type_and_extra_members_are_part_of_the_document() -> None:
    problem = ProblemError(
        409,
        "the key was used for another order",
        kind="https://ordermesh.example/problems/idempotency-conflict",
        errors=[FieldError("Idempotency-Key", "was used for another order")],
        extra={"orderId": "ord_1"},
    )
    assert problem.to_json() == {
        "type": "https://ordermesh.example/problems/idempotency-conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "the key was used for another order",
        "errors": [{"field": "Idempotency-Key", "detail": "was used for another order"}],
        "orderId": "ord_1",
    }


def test_a_problem_response_is_problem_json_with_a_compact_body() -> None:
    response = ProblemError(422, "bad", errors=[FieldError("", "is required")]).response()
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.body == (
        '{"type":"about:blank","title":"Unprocessable Content","status":422,"detail":"bad",'
        '"errors":[{"field":"","detail":"is required"}]}'
    )


@pytest.mark.parametrize(
    ("location", "path"),
    [
        (("lines", 2, "sku"), "lines[2].sku"),
        (("lines", 2, "unitPrice", "currency"), "lines[2].unitPrice.currency"),
        (("matrix", 0, 1), "matrix[0][1]"),
        ((0, "sku"), "[0].sku"),
        (("customerId",), "customerId"),
        ((), ""),
    ],
)
def test_field_path_spells_pydantic_locations_as_clients_write_them(
    location: tuple[int | str, ...], path: str
) -> None:
    assert http.field_path(location) == path


# --- invalid / request_invalid ------------------------------------------------------------------


def test_invalid_names_every_rejected_field_as_the_client_spelled_it() -> None:
    error = _validation_error(NewOrder, {"lines": [{"sku": "MUG", "quantity": 0}], "x": 1})
    problem = http.invalid(error)
    assert (problem.status, problem.detail) == (
        422,
        "the request is not valid: customerId, lines[0].quantity, x",
    )
    assert [e.to_json() for e in problem.errors] == [
        {"field": "customerId", "detail": "is required"},
        {"field": "lines[0].quantity", "detail": "Input should be greater than or equal to 1"},
        {"field": "x", "detail": "is not a field of this request"},
    ]


def test_invalid_prefixes_the_fields_with_where() -> None:
    error = _validation_error(Line, {"sku": "MUG"})
    problem = http.invalid(error, "lines[3]")
    assert [e.field for e in problem.errors] == ["lines[3].quantity"]


def test_invalid_calls_a_whole_body_error_the_body() -> None:
    problem = http.invalid(_validation_error(Window, {"start": 5, "end": 1}))
    assert problem.detail == "the request is not valid: the body"
    assert [e.to_json() for e in problem.errors] == [
        {"field": "", "detail": "Value error, end is before start"}
    ]


def test_invalid_lists_at_most_five_fields_in_the_detail_but_every_error() -> None:
    lines = [{"sku": "MUG", "quantity": 0} for _ in range(7)]
    problem = http.invalid(_validation_error(NewOrder, {"customerId": "c", "lines": lines}))
    assert problem.detail == (
        "the request is not valid: lines[0].quantity, lines[1].quantity, lines[2].quantity, "
        "lines[3].quantity, lines[4].quantity"
    )
    assert len(problem.errors) == 7


def test_request_invalid_names_body_query_and_path_fields() -> None:
    problem = http.request_invalid(
        [
            {"type": "missing", "loc": ("body", "lines", 0, "sku"), "msg": "Field required"},
            {"type": "less_than_equal", "loc": ("query", "limit"), "msg": "at most 10"},
            {"type": "string_pattern_mismatch", "loc": ("path", "orderId"), "msg": "bad id"},
        ]
    )
    assert problem.status == 422
    assert [e.to_json() for e in problem.errors] == [
        {"field": "lines[0].sku", "detail": "is required"},
        {"field": "query:limit", "detail": "at most 10"},
        {"field": "path:orderId", "detail": "bad id"},
    ]
    assert problem.detail == "the request is not valid: lines[0].sku, query:limit, path:orderId"


def test_request_invalid_with_a_body_that_is_not_json_is_400() -> None:
    problem = http.request_invalid(
        [
            {"type": "json_invalid", "loc": ("body", 1), "msg": "JSON decode error"},
            {"type": "missing", "loc": ("body",), "msg": "Field required"},
        ]
    )
    assert (problem.status, problem.detail, list(problem.errors)) == (
        400,
        "the body is not valid JSON",
        [FieldError("", "the body is not valid JSON")],
    )


def test_request_invalid_for_a_missing_body_names_the_body() -> None:
    problem = http.request_invalid([{"type": "missing", "loc": ("body",), "msg": "required"}])
    assert problem.detail == "the request is not valid: the body"
    assert [e.to_json() for e in problem.errors] == [{"field": "", "detail": "is required"}]


# --- body_bytes / json_body ---------------------------------------------------------------------


def test_body_bytes_is_the_raw_body_plain_or_base64() -> None:
    assert http.body_bytes(_event(body="héllo")) == "héllo".encode()
    encoded = base64.b64encode(b"\x00\xff").decode()
    assert http.body_bytes(_event(body=encoded, encoded=True)) == b"\x00\xff"
    assert http.body_bytes(_event()) == b""


def test_body_bytes_refuses_bad_base64_with_400() -> None:
    with pytest.raises(ProblemError) as error:
        http.body_bytes(_event(body="not base64!", encoded=True))
    assert _problem(error) == (400, "the body is not valid base64")


def test_body_bytes_counts_bytes_not_characters_against_the_limit() -> None:
    assert http.body_bytes(_event(body="é" * 4), max_bytes=8) == "é".encode() * 4
    with pytest.raises(ProblemError) as error:
        http.body_bytes(_event(body="é" * 5), max_bytes=8)
    assert _problem(error) == (413, "the body is 10 bytes; at most 8 are accepted")


def test_the_default_body_limit_is_64_kib() -> None:
    assert http.DEFAULT_MAX_BODY_BYTES == 64 * 1024
    assert len(http.body_bytes(_event(body="x" * 65536))) == 65536
    with pytest.raises(ProblemError) as error:
        http.body_bytes(_event(body="x" * 65537))
    assert error.value.status == 413


def test_json_body_is_the_validated_model() -> None:
    body = json.dumps({"customerId": "cus_1", "lines": [{"sku": "MUG", "quantity": 2}]})
    order = http.json_body(_event(body=body), NewOrder)
    assert order == NewOrder(customer_id="cus_1", lines=[Line(sku="MUG", quantity=2)])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "application/json; charset=utf-8"},
        {"content-type": "application/merge-patch+json"},
    ],
    ids=["no content type", "with charset", "a +json type"],
)
def test_json_body_accepts_json_content_types(headers: dict[str, str]) -> None:
    body = '{"sku": "MUG", "quantity": 1}'
    assert http.json_body(_event(body=body, headers=headers), Line) == Line(sku="MUG", quantity=1)


def test_json_body_refuses_other_content_types_with_415() -> None:
    with pytest.raises(ProblemError) as error:
        http.json_body(_event(body="sku=MUG", headers={"Content-Type": "text/plain"}), Line)
    assert _problem(error) == (415, "send the body as application/json, not text/plain")


def test_json_body_reads_the_media_type_case_insensitively() -> None:
    event = _event(
        body='{"sku": "MUG", "quantity": 1}', headers={"Content-Type": "Application/JSON"}
    )
    assert http.json_body(event, Line) == Line(sku="MUG", quantity=1)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (None, "the request needs a JSON body"),
        ("  \n", "the request needs a JSON body"),
        (
            '{"sku": "MUG",\n "quantity": }',
            "the body is not valid JSON (line 2, column 14): Expecting value",
        ),
        ("[1, 2]", "the body must be a JSON object"),
        ('"text"', "the body must be a JSON object"),
    ],
)
def test_json_body_refuses_what_is_not_a_json_object_with_400(
    body: str | None, detail: str
) -> None:
    with pytest.raises(ProblemError) as error:
        http.json_body(_event(body=body), Line)
    assert _problem(error) == (400, detail)


def test_json_body_refuses_a_body_that_is_not_utf8_with_400() -> None:
    encoded = base64.b64encode(b'{"sku": "\xff"}').decode()
    with pytest.raises(ProblemError) as error:
        http.json_body(_event(body=encoded, encoded=True), Line)
    assert _problem(error) == (400, "the body is not UTF-8 text: byte 0xff at 9")


def test_json_body_names_each_invalid_field_with_422() -> None:
    with pytest.raises(ProblemError) as error:
        http.json_body(_event(body='{"sku": "MUG", "quantity": 0, "colour": "red"}'), Line)
    assert error.value.status == 422
    assert [e.field for e in error.value.errors] == ["quantity", "colour"]
    assert isinstance(error.value.__cause__, ValidationError)


def test_json_body_checks_the_size_before_the_content_type_or_json() -> None:
    with pytest.raises(ProblemError) as error:
        http.json_body(_event(body="{" * 20, headers={"content-type": "text/plain"}), Line, 10)
    assert _problem(error) == (413, "the body is 20 bytes; at most 10 are accepted")


# --- resolve / register on a powertools app -----------------------------------------------------


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


# --- a store whose disk is full: SQLite's own SQLITE_FULL, from a database that may not grow ---


@pytest.fixture
def full() -> Iterator[sqlite3.Connection]:
    """A database with no room left: its next page is refused."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (v TEXT)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    yield conn
    conn.close()


def _fill(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))


@pytest.fixture
def full_disk_app(full: sqlite3.Connection) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()
    http.register(app)

    @app.post("/write")
    def write() -> dict[str, Any]:
        _fill(full)
        return {}

    @app.post("/locked")
    def locked() -> dict[str, Any]:
        raise sqlite3.OperationalError("database is locked")

    return app


def test_sqlite_reports_a_full_database_as_sqlite_full(full: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full") as error:
        _fill(full)
    assert http.storage_full(error.value)


def test_a_write_on_a_full_disk_is_a_503_problem_with_retry_after(
    full_disk_app: APIGatewayHttpResolver,
) -> None:
    response = http.resolve(full_disk_app, _event("POST", "/write"), None)
    headers = {k.lower(): v for k, v in response["headers"].items()}
    assert response["statusCode"] == 503
    assert headers["content-type"] == "application/problem+json"
    assert headers["retry-after"] == str(http.STORAGE_FULL_RETRY_AFTER)
    problem = json.loads(response["body"])
    assert (problem["status"], problem["title"]) == (503, "Service Unavailable")
    assert "storage is full" in problem["detail"]


def test_another_sqlite_error_is_not_taken_for_a_full_disk(
    full_disk_app: APIGatewayHttpResolver,
) -> None:
    assert not http.storage_full(sqlite3.OperationalError("database is locked"))
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        http.resolve(full_disk_app, _event("POST", "/locked"), None)
