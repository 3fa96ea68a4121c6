"""Validation errors as problems: ``invalid`` makes a pydantic ``ValidationError``, and
``request_invalid`` powertools' request validation errors, a 422 naming each field as the client
spelled it (body, query and path), and a body that is not JSON a 400."""

from __future__ import annotations

from typing import Any

import pytest
from ordermesh_contracts import http
from ordermesh_contracts.http import FieldError
from pydantic import BaseModel, ValidationError, model_validator

from .http_support import Line, NewOrder


class Window(BaseModel):
    start: int
    end: int

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


def _validation_error(model: type[BaseModel], data: Any) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        model.model_validate(data)
    return error.value


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
