"""The provider simulator's settings changed while it runs (admin endpoints: settings, stats,
outage windows, the seed) and the settings it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from ordermesh_platform.provider_settings import DeclineRule, SimulatorSettings
from tests.provider_simulator.support import Provider, authorization_statuses


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
    first = authorization_statuses(provider, 20)

    provider.call("PUT", "/admin/settings", {"seed": 5})

    assert authorization_statuses(provider, 20) == first


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
