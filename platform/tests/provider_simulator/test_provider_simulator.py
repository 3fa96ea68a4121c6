"""The payment provider simulator over real HTTP on loopback: idempotency, declines, refunds,
transient failures, outages, latency, admin changes and determinism."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import urllib3
from ordermesh_platform.provider_settings import (
    DEFAULT_DECLINE_RULES,
    DeclineRule,
    SimulatorSettings,
)
from ordermesh_platform.provider_simulator import ProviderSimulator
from ordermesh_platform.runtime.server import BackgroundServer
from ordermesh_platform.shared.clock import ManualClock

KEY = "sim_test_key"
PAYMENT_SERVICE_DECLINE_CODES = {
    "INSUFFICIENT_FUNDS",
    "CARD_EXPIRED",
    "CARD_DECLINED",
    "FRAUD_SUSPECTED",
    "AUTHENTICATION_FAILED",
}


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str]  # case-insensitive


@dataclass
class Provider:
    """A running simulator and a plain HTTP client for it."""

    simulator: ProviderSimulator
    url: str
    http: urllib3.PoolManager

    def call(
        self,
        method: str,
        path: str,
        body: object = None,
        headers: dict[str, str] | None = None,
        timeout: float = 5.0,
    ) -> Answer:
        response = self.http.request(
            method,
            self.url + path,
            body=json.dumps(body).encode() if body is not None else None,
            headers=headers or {},
            timeout=timeout,
            retries=False,
        )
        text = response.data.decode()
        return Answer(response.status, json.loads(text) if text else {}, response.headers)

    def post(
        self, path: str, body: object, key: str | None = "key-1", api_key: str | None = KEY
    ) -> Answer:
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key
        if api_key is not None:
            headers["Authorization"] = f"Bearer {api_key}"
        return self.call("POST", path, body, headers)

    def authorize(
        self,
        key: str = "key-1",
        order_id: str = "ord_0000000001",
        amount: str = "12.34",
        customer_id: str = "cus_alice001",
    ) -> Answer:
        body = {
            "orderId": order_id,
            "amount": {"amount": amount, "currency": "EUR"},
            "customerId": customer_id,
        }
        return self.post("/v1/authorizations", body, key)

    def refund(
        self, authorization_id: str, key: str, amount: str = "12.34", currency: str = "EUR"
    ) -> Answer:
        body = {"amount": {"amount": amount, "currency": currency}}
        return self.post(f"/v1/authorizations/{authorization_id}/refunds", body, key)

    def stats(self) -> dict[str, Any]:
        return self.call("GET", "/admin/stats").body


def _serve(simulator: ProviderSimulator) -> Iterator[Provider]:
    http = urllib3.PoolManager()
    with BackgroundServer(simulator.app, "127.0.0.1", 0) as server:
        yield Provider(simulator, server.url, http)
        http.clear()  # close kept-alive connections before the server stops


@pytest.fixture
def provider() -> Iterator[Provider]:
    yield from _serve(ProviderSimulator(SimulatorSettings(seed=7)))


@pytest.fixture
def make_provider() -> Iterator[Any]:
    """Start a simulator with given settings (and clock, sleep); all stopped at the end."""
    running: list[Iterator[Provider]] = []

    def make(settings: SimulatorSettings, **options: Any) -> Provider:
        served = _serve(ProviderSimulator(settings, **options))
        running.append(served)
        return next(served)

    yield make
    for served in running:
        next(served, None)


# Authorizations and idempotency.


def test_an_authorization_is_created_and_counted_once_per_key(provider: Provider) -> None:
    answer = provider.authorize(key="ordermesh:ord_0000000001:authorize")

    assert answer.status == 201
    assert answer.body["authorizationId"].startswith("auth_")
    assert answer.body["amount"] == {"amount": "12.34", "currency": "EUR"}
    stats = provider.stats()
    assert stats["authorizations"] == 1
    assert stats["charges"] == {"ordermesh:ord_0000000001:authorize": 1}
    assert stats["chargesByOrder"] == {"ord_0000000001": 1}


def test_the_same_key_and_body_get_the_first_answer_again_and_charge_once(
    provider: Provider,
) -> None:
    first = provider.authorize(key="k")
    again = provider.authorize(key="k")

    assert again.status == 201
    assert again.body == first.body
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    stats = provider.stats()
    assert (stats["authorizations"], stats["charges"], stats["replays"]) == (1, {"k": 1}, 1)


def test_the_same_key_with_another_body_or_path_is_refused_and_charges_nothing(
    provider: Provider,
) -> None:
    first = provider.authorize(key="k", amount="12.34")

    other_amount = provider.authorize(key="k", amount="99.00")
    other_path = provider.refund(first.body["authorizationId"], key="k")

    assert other_amount.status == 422
    assert other_amount.body["error"] == "idempotency_key_reused"
    assert other_path.status == 422
    assert other_path.body["error"] == "idempotency_key_reused"
    stats = provider.stats()
    assert (stats["authorizations"], stats["refunds"], stats["idempotencyConflicts"]) == (1, 0, 2)


def test_a_new_key_for_the_same_order_charges_again_which_the_stats_show(
    provider: Provider,
) -> None:
    provider.authorize(key="first")
    provider.authorize(key="second")

    stats = provider.stats()
    assert stats["charges"] == {"first": 1, "second": 1}
    assert stats["chargesByOrder"] == {"ord_0000000001": 2}


def test_concurrent_requests_with_one_key_charge_once(provider: Provider) -> None:
    answers: list[Answer] = []
    lock = threading.Lock()

    def send() -> None:
        answer = provider.authorize(key="racing")
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a.status for a in answers] == [201] * 8
    assert len({a.body["authorizationId"] for a in answers}) == 1
    stats = provider.stats()
    assert stats["charges"] == {"racing": 1}
    assert stats["replays"] == 7


# Authentication and validation.


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


# Declines.


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


# Refunds.


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


# Transient failures, outages and latency.


def test_transient_failures_are_503s_that_charge_nothing_and_are_not_kept(
    provider: Provider,
) -> None:
    provider.simulator.update(SimulatorSettings(transient_failure_rate=1.0))
    failed = provider.authorize(key="k")
    provider.simulator.update(SimulatorSettings(transient_failure_rate=0.0))
    retried = provider.authorize(key="k")

    assert failed.status == 503
    assert failed.body["error"] == "service_unavailable"
    assert failed.headers["Retry-After"] == "1"
    assert retried.status == 201
    assert "Idempotent-Replayed" not in retried.headers
    stats = provider.stats()
    assert (stats["transientFailures"], stats["charges"]) == (1, {"k": 1})


def _outcomes(provider: Provider, count: int) -> list[tuple[int, str | None]]:
    """Status and authorization id of ``count`` authorizations, each with its own key."""
    answers = [provider.authorize(key=f"k{n}", order_id=f"ord_{n:010d}") for n in range(count)]
    return [(a.status, a.body.get("authorizationId")) for a in answers]


def _statuses(provider: Provider, count: int) -> list[int]:
    return [status for status, _ in _outcomes(provider, count)]


def test_the_same_seed_fails_the_same_requests_and_assigns_the_same_ids(
    make_provider: Any,
) -> None:
    settings = SimulatorSettings(transient_failure_rate=0.5, seed=42)
    first, second = make_provider(settings), make_provider(settings)
    other = make_provider(SimulatorSettings(transient_failure_rate=0.5, seed=43))

    outcomes = _outcomes(first, 30)

    assert _outcomes(second, 30) == outcomes
    assert [status for status, _ in outcomes] != _statuses(other, 30)
    assert {status for status, _ in outcomes} == {201, 503}
    assert all(auth_id is None for status, auth_id in outcomes if status == 503)
    assert all(auth_id for status, auth_id in outcomes if status == 201)


def test_a_failure_rate_fails_about_that_share_of_requests(make_provider: Any) -> None:
    provider = make_provider(SimulatorSettings(transient_failure_rate=0.25, seed=1))

    failures = _statuses(provider, 200).count(503)

    assert 30 <= failures <= 70


def test_the_outage_switch_fails_every_request_until_it_is_turned_off(
    provider: Provider,
) -> None:
    authorization_id = provider.authorize(key="a").body["authorizationId"]

    down = provider.call("POST", "/admin/outage", {"down": True})
    during = [provider.authorize(key="a").status, provider.refund(authorization_id, "r").status]
    stats_during = provider.stats()
    up = provider.call("POST", "/admin/outage", {"down": False})
    after = provider.refund(authorization_id, "r")

    assert (down.status, down.body) == (200, {"down": True})
    assert during == [503, 503]
    assert stats_during["down"] is True
    assert (up.status, up.body) == (200, {"down": False})
    assert after.status == 201


def test_the_outage_switch_takes_only_a_boolean(provider: Provider) -> None:
    answer = provider.call("POST", "/admin/outage", {"down": "yes"})

    assert answer.status == 400
    assert provider.simulator.stats()["down"] is False


def test_an_outage_window_fails_requests_from_its_start_to_its_end(make_provider: Any) -> None:
    clock = ManualClock()
    now = datetime.fromtimestamp(clock.now(), UTC)
    window = (now + timedelta(seconds=10), now + timedelta(seconds=20))
    provider = make_provider(SimulatorSettings(outage_windows=(window,)), clock=clock)

    before = provider.authorize(key="before").status
    clock.advance(10)
    at_start = provider.authorize(key="start").status
    clock.advance(9.5)
    inside = provider.authorize(key="inside").status
    clock.advance(0.5)
    at_end = provider.authorize(key="end").status

    assert [before, at_start, inside, at_end] == [201, 503, 503, 201]


def test_latency_is_the_fixed_delay_plus_a_seeded_jitter(make_provider: Any) -> None:
    def delays(seed: int) -> list[float]:
        waited: list[float] = []

        async def sleep(seconds: float) -> None:
            waited.append(seconds)

        settings = SimulatorSettings(latency_seconds=0.5, latency_jitter_seconds=0.25, seed=seed)
        provider = make_provider(settings, sleep=sleep)
        for n in range(10):
            provider.authorize(key=f"k{n}")
        return waited

    first = delays(seed=3)

    assert len(first) == 10
    assert all(0.5 <= delay <= 0.75 for delay in first)
    assert len(set(first)) == 10
    assert delays(seed=3) == first


def test_latency_really_delays_the_answer_past_a_short_client_timeout(
    make_provider: Any,
) -> None:
    provider = make_provider(SimulatorSettings(latency_seconds=0.3))

    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        provider.call(
            "POST",
            "/v1/authorizations",
            {},
            {"Authorization": f"Bearer {KEY}", "Idempotency-Key": "k"},
            timeout=0.1,
        )
    started = time.monotonic()
    answer = provider.authorize(key="slow")

    assert answer.status == 201
    assert time.monotonic() - started >= 0.3


# Settings at runtime.


def test_settings_are_changed_while_running_and_fields_not_given_are_kept(
    provider: Provider,
) -> None:
    changes = {
        "amountLimit": "100.00",
        "amountLimitCode": "CARD_DECLINED",
        "declineRules": [{"customerContains": "mallory", "code": "FRAUD_SUSPECTED"}],
        "latencySeconds": 0,
    }

    answer = provider.call("PUT", "/admin/settings", changes)

    assert answer.status == 200
    assert answer.body["amountLimit"] == "100.00"
    assert answer.body["declineRules"] == [
        {
            "customerContains": "mallory",
            "code": "FRAUD_SUSPECTED",
            "message": "The card was declined.",
        }
    ]
    assert answer.body["seed"] == 7
    assert "apiKey" not in answer.body
    assert provider.authorize(key="a", customer_id="cus_Mallory01").body["declineCode"] == (
        "FRAUD_SUSPECTED"
    )
    assert provider.authorize(key="b", customer_id="cus_declined01").status == 201
    assert provider.authorize(key="c", amount="100.01").body["declineCode"] == "CARD_DECLINED"
    assert provider.call("GET", "/admin/settings").body == answer.body


def test_a_new_api_key_takes_effect_at_once(provider: Provider) -> None:
    provider.call("PUT", "/admin/settings", {"apiKey": "rotated"})

    old = provider.authorize(key="k")
    body = {"orderId": "o", "amount": {"amount": "1.00", "currency": "EUR"}, "customerId": "c"}
    new = provider.post("/v1/authorizations", body, key="k", api_key="rotated")

    assert old.status == 401
    assert new.status == 201


def test_outage_windows_are_set_as_iso_times(provider: Provider) -> None:
    start = datetime.now(UTC) - timedelta(minutes=1)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}

    answer = provider.call("PUT", "/admin/settings", {"outageWindows": [window]})

    assert answer.status == 200
    assert provider.simulator.settings.outage_windows == ((start, start + timedelta(hours=1)),)
    assert provider.authorize().status == 503


@pytest.mark.parametrize(
    "changes",
    [
        {"transientFailureRate": 1.5},
        {"latencySeconds": -1},
        {"latencySeconds": "fast"},
        {"amountLimit": "lots"},
        {"amountLimit": "NaN"},
        {"declineRules": [{"code": "CARD_DECLINED"}]},
        {"outageWindows": [{"start": "2026-01-01T00:00:00", "end": "2026-01-02T00:00:00"}]},
        {"outageWindows": [{"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"}]},
        {"seed": "seven"},
        {"colour": "blue"},
    ],
)
def test_invalid_settings_are_a_400_and_change_nothing(
    provider: Provider, changes: dict[str, Any]
) -> None:
    before = provider.simulator.settings

    answer = provider.call("PUT", "/admin/settings", changes)

    assert answer.status == 400
    assert answer.body["error"] == "invalid_settings"
    assert provider.simulator.settings == before


def test_setting_the_seed_restarts_the_draws(make_provider: Any) -> None:
    provider = make_provider(SimulatorSettings(transient_failure_rate=0.5, seed=5))
    first = _statuses(provider, 20)

    provider.call("PUT", "/admin/settings", {"seed": 5})

    assert _statuses(provider, 20) == first


def test_stats_over_http_are_the_simulators_stats(provider: Provider) -> None:
    provider.authorize(key="a")
    provider.authorize(key="b", customer_id="cus_declined01")

    stats = provider.stats()

    assert stats == provider.simulator.stats()
    assert stats["requests"] == 2
    assert (stats["authorizations"], stats["declines"]) == (1, 1)


@pytest.mark.parametrize(
    "settings",
    [
        {"latency_seconds": -0.1},
        {"transient_failure_rate": -0.1},
        {"api_key": ""},
        {"amount_limit": Decimal(-1)},
        {"outage_windows": ((datetime(2026, 1, 1), datetime(2026, 1, 2)),)},  # noqa: DTZ001
    ],
)
def test_settings_that_make_no_sense_are_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"must|outage window"):
        SimulatorSettings(**settings)


def test_a_decline_rule_needs_a_text_to_match() -> None:
    with pytest.raises(ValueError, match="customer_contains"):
        DeclineRule("")
