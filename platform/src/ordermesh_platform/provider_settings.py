"""The provider simulator's settings: its decline codes and rules, how it behaves
(``SimulatorSettings``), and the settings as the admin API reads and writes them (camelCase
JSON, ``settings_to_json`` / ``settings_from_json``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
CARD_EXPIRED = "CARD_EXPIRED"
CARD_DECLINED = "CARD_DECLINED"
FRAUD_SUSPECTED = "FRAUD_SUSPECTED"
AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"

Window = tuple[datetime, datetime]


class BadRequestError(ValueError):
    """A request (or admin change) the simulator refuses with a 400."""


@dataclass(frozen=True)
class DeclineRule:
    """Decline customers whose id contains ``customer_contains`` (case-insensitively)."""

    customer_contains: str
    code: str = CARD_DECLINED
    message: str = "The card was declined."

    def __post_init__(self) -> None:
        if not self.customer_contains or not self.code:
            raise ValueError("a decline rule needs a customer_contains text and a code")


DEFAULT_DECLINE_RULES = (
    DeclineRule("declinedfunds", INSUFFICIENT_FUNDS, "Insufficient funds."),
    DeclineRule("declinedexpired", CARD_EXPIRED, "The card has expired."),
    DeclineRule("declinedfraud", FRAUD_SUSPECTED, "Declined: suspected fraud."),
    DeclineRule("declinedauth", AUTHENTICATION_FAILED, "Card authentication failed."),
    DeclineRule("declined", CARD_DECLINED, "The card was declined."),
)


@dataclass(frozen=True)
class SimulatorSettings:
    """How the simulated provider behaves (see the module docstring)."""

    api_key: str = "sim_test_key"
    latency_seconds: float = 0.0
    latency_jitter_seconds: float = 0.0
    transient_failure_rate: float = 0.0  # probability of a 503, from 0 to 1
    decline_rules: tuple[DeclineRule, ...] = DEFAULT_DECLINE_RULES
    amount_limit: Decimal | None = Decimal("10000.00")  # None: no limit
    amount_limit_code: str = INSUFFICIENT_FUNDS
    outage_windows: tuple[Window, ...] = ()  # [start, end), timezone-aware
    seed: int | None = None

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("api_key must not be empty")
        if self.latency_seconds < 0 or self.latency_jitter_seconds < 0:
            raise ValueError("latencies must not be negative")
        if not 0 <= self.transient_failure_rate <= 1:
            raise ValueError("transient_failure_rate must be between 0 and 1")
        limit = self.amount_limit
        if limit is not None and (not limit.is_finite() or limit < 0):
            raise ValueError("amount_limit must be a finite amount, not negative")
        if not self.amount_limit_code:
            raise ValueError("amount_limit_code must not be empty")
        for start, end in self.outage_windows:
            if start.tzinfo is None or end.tzinfo is None or start >= end:
                raise ValueError("an outage window is (start, end), timezone-aware, start first")


# Settings as JSON (the admin API), camelCase.


def settings_to_json(settings: SimulatorSettings) -> dict[str, Any]:
    """The settings as ``GET /admin/settings`` shows them (the API key left out)."""
    limit = settings.amount_limit
    return {
        "latencySeconds": settings.latency_seconds,
        "latencyJitterSeconds": settings.latency_jitter_seconds,
        "transientFailureRate": settings.transient_failure_rate,
        "declineRules": [
            {"customerContains": r.customer_contains, "code": r.code, "message": r.message}
            for r in settings.decline_rules
        ],
        "amountLimit": format(limit, "f") if limit is not None else None,
        "amountLimitCode": settings.amount_limit_code,
        "outageWindows": [
            {"start": start.isoformat(), "end": end.isoformat()}
            for start, end in settings.outage_windows
        ],
        "seed": settings.seed,
    }


def settings_from_json(current: SimulatorSettings, changes: Mapping[str, Any]) -> SimulatorSettings:
    """``current`` with the fields given in ``changes`` (camelCase, as ``settings_to_json``
    writes them, plus ``apiKey``) replaced; ``BadRequestError`` or ``ValueError`` if invalid."""
    unknown = sorted(set(changes) - set(_SETTINGS_FIELDS))
    if unknown:
        raise BadRequestError(f"unknown settings: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, value in changes.items():
        attribute, convert = _SETTINGS_FIELDS[name]
        try:
            values[attribute] = convert(value)
        except ValueError as error:
            raise BadRequestError(f"{name}: {error}") from None
    return dataclasses.replace(current, **values)


def _as_text(value: object) -> str:
    if not isinstance(value, str):
        raise BadRequestError("expected a string")
    return value


def as_count(value: object) -> int:
    """An admin API's whole number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequestError("count must be an integer")
    return value


def as_number(value: object) -> float:
    """An admin API's number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequestError("expected a number")
    return float(value)


def _as_optional_decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(_as_text(value))
    except InvalidOperation:
        raise BadRequestError(f"not a decimal string: {value!r}") from None


def _as_optional_seed(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequestError("seed must be an integer or null")
    return value


def _as_rules(value: object) -> tuple[DeclineRule, ...]:
    if not isinstance(value, list) or not all(isinstance(rule, dict) for rule in value):
        raise BadRequestError("declineRules must be a list of objects")
    return tuple(
        DeclineRule(
            _as_text(rule.get("customerContains")),
            _as_text(rule.get("code", CARD_DECLINED)),
            _as_text(rule.get("message", "The card was declined.")),
        )
        for rule in value
    )


def _as_windows(value: object) -> tuple[Window, ...]:
    if not isinstance(value, list) or not all(isinstance(window, dict) for window in value):
        raise BadRequestError("outageWindows must be a list of {start, end} objects")
    return tuple((_as_time(window.get("start")), _as_time(window.get("end"))) for window in value)


def _as_time(value: object) -> datetime:
    moment = datetime.fromisoformat(_as_text(value))
    if moment.tzinfo is None:
        raise BadRequestError(f"a time needs a UTC offset: {value!r}")
    return moment


_SETTINGS_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "apiKey": ("api_key", _as_text),
    "latencySeconds": ("latency_seconds", as_number),
    "latencyJitterSeconds": ("latency_jitter_seconds", as_number),
    "transientFailureRate": ("transient_failure_rate", as_number),
    "declineRules": ("decline_rules", _as_rules),
    "amountLimit": ("amount_limit", _as_optional_decimal),
    "amountLimitCode": ("amount_limit_code", _as_text),
    "outageWindows": ("outage_windows", _as_windows),
    "seed": ("seed", _as_optional_seed),
}
