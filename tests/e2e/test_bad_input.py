"""Bad input gets a problem document (RFC 9457) naming what was wrong, and writes nothing."""

from __future__ import annotations

import pytest
from ordermesh_platform.system import LocalSystem

from tests.e2e.conftest import Client, order_body


def _problem(client: Client, body: object, status: int) -> dict[str, object]:
    code, problem, headers = client.request("POST", "/orders", body)
    assert code == status, problem
    assert headers["content-type"] == "application/problem+json"
    assert problem["status"] == status
    return dict(problem)


def _fields(problem: dict[str, object]) -> set[str]:
    errors = problem.get("errors")
    assert isinstance(errors, list)
    return {str(e["field"]) for e in errors}


def test_malformed_json_is_a_400(client: Client) -> None:
    _problem(client, b'{"customerId": "cus_alice01", ', 400)


def test_missing_and_extra_fields_are_named(client: Client) -> None:
    body = order_body()
    del body["currency"]
    body["coupon"] = "FREE"
    problem = _problem(client, body, 422)
    assert {"currency", "coupon"} <= _fields(problem)


@pytest.mark.parametrize("quantity", [0, -3])
def test_zero_or_negative_quantities_name_the_line(client: Client, quantity: int) -> None:
    problem = _problem(client, order_body(quantity=quantity), 422)
    assert "lines[0].quantity" in _fields(problem)


def test_an_unknown_sku_is_named(client: Client) -> None:
    problem = _problem(client, order_body(sku="NOPE-0001"), 422)
    assert "lines[0].sku" in _fields(problem)


def test_mixed_currencies_are_refused(client: Client) -> None:
    body = order_body()
    body["lines"].append(
        {"sku": "MUG-0001", "quantity": 1, "unitPrice": {"amount": "12.00", "currency": "USD"}}
    )
    problem = _problem(client, body, 422)
    assert "lines[1].unitPrice.currency" in _fields(problem)


def test_a_huge_body_is_a_413(client: Client) -> None:
    body = order_body()
    body["shippingAddress"]["line2"] = "x" * 200_000
    _problem(client, body, 413)


def test_nothing_is_written_for_bad_input(client: Client, system: LocalSystem) -> None:
    _problem(client, order_body(sku="NOPE-0001"), 422)
    status, page, _ = client.request("GET", "/orders?customerId=cus_alice01")
    assert status == 200
    assert page["items"] == []
    # and nothing was published
    rows = system.runtime.store.connection().execute("SELECT COUNT(*) FROM archive").fetchone()
    assert rows[0] == 0


def test_an_unknown_order_is_a_404_problem(client: Client) -> None:
    code, problem, headers = client.request("GET", "/orders/ord_0000000000000000")
    assert code == 404
    assert headers["content-type"] == "application/problem+json"
    assert problem["status"] == 404


def _problem_at(
    client: Client, method: str, path: str, body: object, status: int
) -> dict[str, object]:
    code, problem, headers = client.request(method, path, body)
    assert (code, headers["content-type"]) == (status, "application/problem+json"), problem
    assert problem["status"] == status
    return dict(problem)


@pytest.mark.parametrize("path", ["/orders", "/sagas"])
def test_a_body_that_is_not_utf8_is_a_400_naming_the_body(client: Client, path: str) -> None:
    # found by fuzzing: powertools' body validation let the UnicodeDecodeError through (a 500)
    problem = _problem_at(client, "POST", path, b'\xff\xfe{"customerId": 1}', 400)
    assert _fields(problem) == {""}


def test_a_saga_listing_token_the_api_did_not_give_is_a_400_naming_it(client: Client) -> None:
    # found by fuzzing: Step Functions' InvalidToken went through the saga API as a 500
    problem = _problem_at(client, "GET", "/sagas?nextToken=abc", None, 400)
    assert _fields(problem) == {"query:nextToken"}


def test_a_path_parameter_of_a_tab_reaches_the_api_and_is_refused_naming_the_path(
    client: Client,
) -> None:
    # found by fuzzing: the runtime matched routes on urlsplit's path, which drops tabs, so
    # /inventory/%09 was /inventory/ and API Gateway's bare 404; the resolver's route patterns
    # take no tab, so the API's own 404 names the path
    problem = _problem_at(client, "GET", "/inventory/%09", None, 404)
    assert _fields(problem) == {"path"}


def test_a_path_with_a_newline_reaches_the_api_and_is_refused_naming_the_path(
    client: Client,
) -> None:
    # found by fuzzing: the runtime's catch-all route (Starlette's ".*") takes no newline, so
    # Starlette answered a plain-text 404 that is no problem document
    problem = _problem_at(client, "GET", "/orders/%0Aord", None, 404)
    assert _fields(problem) == {"path"}


def test_a_listing_token_the_order_api_did_not_give_is_a_400_naming_it(client: Client) -> None:
    # found by fuzzing: the SQLite store bound the token's JSON (a number) into its query: a 500
    problem = _problem_at(client, "GET", "/orders?customerId=cus_alice01&nextToken=7", None, 400)
    assert _fields(problem) == {"query:nextToken"}
