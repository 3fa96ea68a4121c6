"""The provider simulator's decisions: declines by customer and amount, kept for their key and
named as the payment service names them; refunds once per key, partial refunds up to the
authorized amount, refusals kept for their key."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from ordermesh_platform.provider_settings import DEFAULT_DECLINE_RULES, SimulatorSettings
from tests.provider_simulator.support import Provider

PAYMENT_SERVICE_DECLINE_CODES = {
    "INSUFFICIENT_FUNDS",
    "CARD_EXPIRED",
    "CARD_DECLINED",
    "FRAUD_SUSPECTED",
    "AUTHENTICATION_FAILED",
}


@pytest.mark.parametrize(
    ("customer_id", "code"),
    [
        ("cus_declined01", "CARD_DECLINED"),
        ("cus_DECLINED02", "CARD_DECLINED"),
        ("cus_declinedFunds1", "INSUFFICIENT_FUNDS"),
        ("cus_declinedExpired1", "CARD_EXPIRED"),
        ("cus_declinedFraud1", "FRAUD_SUSPECTED"),
        ("cus_declinedAuth1", "AUTHENTICATION_FAILED"),
    ],
)
def test_customers_whose_id_contains_declined_are_declined(
    provider: Provider, customer_id: str, code: str
) -> None:
    answer = provider.authorize(customer_id=customer_id)

    assert answer.status == 402
    assert answer.body["declineCode"] == code
    assert answer.body["message"]
    stats = provider.stats()
    assert (stats["declines"], stats["authorizations"], stats["charges"]) == (1, 0, {})


def test_an_amount_above_the_limit_is_declined_and_the_limit_itself_is_not(
    make_provider: Any,
) -> None:
    provider = make_provider(SimulatorSettings(amount_limit=Decimal("500.00")))

    at_limit = provider.authorize(key="a", amount="500.00")
    above = provider.authorize(key="b", amount="500.01")

    assert at_limit.status == 201
    assert above.status == 402
    assert above.body["declineCode"] == "INSUFFICIENT_FUNDS"


def test_a_decline_is_kept_for_its_key(provider: Provider) -> None:
    first = provider.authorize(key="k", customer_id="cus_declined01")
    again = provider.authorize(key="k", customer_id="cus_declined01")

    assert again.status == 402
    assert again.body == first.body
    assert provider.stats()["declines"] == 1


def test_the_default_decline_codes_are_the_payment_services_decline_codes() -> None:
    codes = {rule.code for rule in DEFAULT_DECLINE_RULES}
    codes.add(SimulatorSettings().amount_limit_code)

    assert codes == PAYMENT_SERVICE_DECLINE_CODES


def test_a_refund_is_created_once_per_key(provider: Provider) -> None:
    authorization_id = provider.authorize().body["authorizationId"]

    first = provider.refund(authorization_id, key="r")
    again = provider.refund(authorization_id, key="r")

    assert first.status == 201
    assert first.body["refundId"].startswith("ref_")
    assert first.body["authorizationId"] == authorization_id
    assert again.body == first.body
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert provider.stats()["refunds"] == 1


def test_partial_refunds_add_up_to_the_authorized_amount_and_no_further(
    provider: Provider,
) -> None:
    authorization_id = provider.authorize(amount="10.00").body["authorizationId"]

    part = provider.refund(authorization_id, key="r1", amount="4.00")
    too_much = provider.refund(authorization_id, key="r2", amount="6.01")
    rest = provider.refund(authorization_id, key="r3", amount="6.00")
    nothing_left = provider.refund(authorization_id, key="r4", amount="0.01")

    assert [part.status, too_much.status, rest.status, nothing_left.status] == [201, 422, 201, 409]
    assert too_much.body["error"] == "amount_exceeds_remaining"
    assert nothing_left.body["error"] == "already_refunded"
    stats = provider.stats()
    assert (stats["refunds"], stats["refundRefusals"]) == (2, 2)


def test_a_refused_refund_is_kept_for_its_key(provider: Provider) -> None:
    authorization_id = provider.authorize(amount="10.00").body["authorizationId"]

    refused = provider.refund(authorization_id, key="r", amount="20.00")
    again = provider.refund(authorization_id, key="r", amount="20.00")

    assert (refused.status, again.status) == (422, 422)
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_a_refund_in_another_currency_or_of_an_unknown_authorization_is_refused(
    provider: Provider,
) -> None:
    authorization_id = provider.authorize().body["authorizationId"]

    other_currency = provider.refund(authorization_id, key="r1", currency="USD")
    unknown = provider.refund("auth_doesnotexist", key="r2")

    assert other_currency.status == 422
    assert other_currency.body["error"] == "currency_mismatch"
    assert unknown.status == 404
    assert unknown.body["error"] == "authorization_not_found"
    assert provider.stats()["refunds"] == 0
