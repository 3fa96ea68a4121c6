"""The fuzzer's judge of a 4xx: an RFC 9457 problem whose errors name the field, or a fault."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from schemathesis.core.transport import Response

from tests.fuzz.harness import problem_fault

PROBLEM = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "no order ord_12345678",
    "errors": [{"field": "path:orderId", "detail": "no order ord_12345678"}],
}


def _response(body: Any, content_type: str = "application/problem+json") -> Response:
    request = requests.Request("GET", "http://127.0.0.1/orders/ord_12345678").prepare()
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"content-type": [content_type]}
    return Response(404, headers, content, request, elapsed=0.0, verify=False)


def test_a_problem_naming_the_field_is_no_fault() -> None:
    assert problem_fault(_response(PROBLEM)) is None


@pytest.mark.parametrize(
    ("response", "fault"),
    [
        (_response(PROBLEM, "application/json"), "content type 'application/json'"),
        (_response(b"Not Found"), "not a JSON object"),
        (_response({**PROBLEM, "status": 400}), "status 400 in an answer of 404"),
        (_response({k: v for k, v in PROBLEM.items() if k != "title"}), "no title"),
        (_response({k: v for k, v in PROBLEM.items() if k != "errors"}), "no errors naming"),
        (_response({**PROBLEM, "errors": [{"detail": "x"}]}), "no errors naming"),
    ],
)
def test_what_is_not_a_problem_naming_the_field_is_a_fault(response: Response, fault: str) -> None:
    assert fault in (problem_fault(response) or "")
