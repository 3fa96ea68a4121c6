"""RFC 9457 problem documents (``ProblemError``): type, title from the status, detail, field
errors and extra members, the compact ``application/problem+json`` response, and ``field_path``
spelling pydantic locations as clients write them."""

from __future__ import annotations

import pytest
from ordermesh_contracts import http
from ordermesh_contracts.http import FieldError, ProblemError


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
