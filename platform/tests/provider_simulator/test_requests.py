"""What the provider simulator refuses before deciding anything: a missing or wrong bearer key
(401), a missing idempotency key, a malformed body or one that is not JSON (400, not kept)."""

from __future__ import annotations

import pytest
from tests.provider_simulator.support import KEY, Provider


@pytest.mark.parametrize("api_key", [None, "wrong", ""])
def test_a_missing_or_wrong_bearer_key_is_a_401_and_charges_nothing(
    provider: Provider, api_key: str | None
) -> None:
    body = {"orderId": "ord_1", "amount": {"amount": "1.00", "currency": "EUR"}, "customerId": "c"}

    answer = provider.post("/v1/authorizations", body, api_key=api_key)

    assert answer.status == 401
    assert answer.body["error"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert provider.stats()["authorizations"] == 0
    assert provider.stats()["unauthorized"] == 1


def test_another_scheme_with_the_right_key_is_a_401(provider: Provider) -> None:
    answer = provider.call("POST", "/v1/authorizations", {}, {"Authorization": f"Basic {KEY}"})

    assert answer.status == 401


def test_a_request_without_an_idempotency_key_is_a_400(provider: Provider) -> None:
    body = {"orderId": "o", "amount": {"amount": "1.00", "currency": "EUR"}, "customerId": "c"}

    answer = provider.post("/v1/authorizations", body, key=None)

    assert answer.status == 400
    assert answer.body["error"] == "missing_idempotency_key"
    assert provider.stats()["authorizations"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"amount": {"amount": "1.00", "currency": "EUR"}, "customerId": "c"},
        {"orderId": "o", "amount": {"amount": 1.0, "currency": "EUR"}, "customerId": "c"},
        {"orderId": "o", "amount": {"amount": "-1.00", "currency": "EUR"}, "customerId": "c"},
        {"orderId": "o", "amount": {"amount": "0", "currency": "EUR"}, "customerId": "c"},
        {"orderId": "o", "amount": {"amount": "1e3", "currency": "EUR"}, "customerId": "c"},
        {"orderId": "o", "amount": {"amount": "1.00", "currency": "eur"}, "customerId": "c"},
        {"orderId": "o", "amount": "1.00", "customerId": "c"},
        ["not", "an", "object"],
    ],
)
def test_a_malformed_authorization_is_a_400_that_is_not_kept(
    provider: Provider, body: object
) -> None:
    refused = provider.post("/v1/authorizations", body, key="k")
    accepted = provider.authorize(key="k")

    assert refused.status == 400
    assert refused.body["error"] == "invalid_request"
    assert accepted.status == 201


def test_a_body_that_is_not_json_is_a_400(provider: Provider) -> None:
    headers = {"Authorization": f"Bearer {KEY}", "Idempotency-Key": "k"}
    response = provider.http.request(
        "POST", provider.url + "/v1/authorizations", body=b"{nope", headers=headers
    )

    assert response.status == 400
