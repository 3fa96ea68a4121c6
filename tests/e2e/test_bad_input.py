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
