"""The simulated payment provider's decisions: authorize or decline a charge, make or refuse a
refund, and keep the final answer to each idempotency key.

``ProviderDecisions`` holds the provider's accounts (the authorizations made, the answers kept,
the counts) and decides each new request from its JSON body; it knows nothing of HTTP. The
simulator (``ordermesh_platform.provider_simulator``) authenticates, waits, fails and records
the ledger, and calls these under its lock: ``ProviderDecisions`` is not thread-safe.

- An authorization is declined (402) by the first decline rule whose ``customer_contains`` the
  customer id contains (case-insensitively), then if the amount is above ``amount_limit``;
  otherwise it is made (201) and counted as a charge of its key and its order.
- A refund is refused with 404 (no such authorization), 422 (another currency, or more than is
  left) or 409 (nothing left); otherwise it is made (201).
- A malformed body raises ``BadRequestError``.
- The first final answer (201, 402, 404, 409, 422) to a key is kept with the fingerprint of its
  request (path and body); ``replay`` gives it again for the same request, or a 422
  ``idempotency_key_reused`` for another.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ordermesh_platform.provider_settings import BadRequestError, SimulatorSettings

_AMOUNT = re.compile(r"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,4})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_KEPT_STATUSES = frozenset({201, 402, 404, 409, 422})
_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_ID_LENGTH = 24


@dataclass(frozen=True)
class Answer:
    """A status and a JSON body; ``fingerprint`` is the request's it answered, once kept."""

    status: int
    body: dict[str, Any]
    fingerprint: str = ""


@dataclass
class _Authorization:
    order_id: str
    amount: Decimal
    currency: str
    refunded: Decimal = Decimal(0)


@dataclass
class ProviderStats:
    """The provider's counts, as ``GET /admin/stats`` answers them (without ``down``)."""

    requests: int = 0
    unauthorized: int = 0
    transient_failures: int = 0
    authorizations: int = 0
    declines: int = 0
    refunds: int = 0
    refusals: int = 0
    replays: int = 0
    idempotency_conflicts: int = 0
    calls_while_down: int = 0
    lost_answers: int = 0
    charges: Counter[str] = field(default_factory=Counter)  # idempotency key -> charges
    charges_by_order: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "unauthorized": self.unauthorized,
            "transientFailures": self.transient_failures,
            "authorizations": self.authorizations,
            "declines": self.declines,
            "refunds": self.refunds,
            "refundRefusals": self.refusals,
            "replays": self.replays,
            "idempotencyConflicts": self.idempotency_conflicts,
            "callsWhileDown": self.calls_while_down,
            "lostAnswers": self.lost_answers,
            "charges": dict(self.charges),
            "chargesByOrder": dict(self.charges_by_order),
        }


class ProviderDecisions:
    """The authorizations, the kept answers and the counts; ``ids`` draws the new ids."""

    def __init__(self, ids: random.Random) -> None:
        self.ids = ids
        self.stats = ProviderStats()
        self._answers: dict[str, Answer] = {}
        self._authorizations: dict[str, _Authorization] = {}

    def kept(self, key: str) -> Answer | None:
        """The final answer kept for ``key``, if any."""
        return self._answers.get(key)

    def replay(self, kept: Answer, fingerprint: str) -> Answer:
        """The kept answer again if the request is the same, else the reused-key conflict."""
        if kept.fingerprint != fingerprint:
            self.stats.idempotency_conflicts += 1
            return Answer(
                422,
                {
                    "error": "idempotency_key_reused",
                    "message": "this Idempotency-Key was used with another request",
                },
            )
        self.stats.replays += 1
        return kept

    def keep(self, key: str, answer: Answer) -> None:
        """Keep ``answer`` for ``key`` if it is final."""
        if answer.status in _KEPT_STATUSES:
            self._answers[key] = answer

    def ledger(self) -> list[dict[str, str]]:
        """Every authorization made: its id, order, amount, currency and the amount refunded."""
        return [
            {
                "authorizationId": authorization_id,
                "orderId": a.order_id,
                "amount": format(a.amount, "f"),
                "currency": a.currency,
                "refunded": format(a.refunded, "f"),
            }
            for authorization_id, a in self._authorizations.items()
        ]

    def authorize(self, settings: SimulatorSettings, key: str, body: dict[str, Any]) -> Answer:
        order_id = _text(body, "orderId")
        customer_id = _text(body, "customerId")
        amount, currency = _money(body.get("amount"))
        decline = _decline(settings, customer_id, amount)
        if decline is not None:
            self.stats.declines += 1
            code, message = decline
            return Answer(402, {"declineCode": code, "message": message})
        authorization_id = self._new_id("auth_")
        self._authorizations[authorization_id] = _Authorization(order_id, amount, currency)
        self.stats.authorizations += 1
        self.stats.charges[key] += 1
        self.stats.charges_by_order[order_id] += 1
        return Answer(
            201,
            {
                "authorizationId": authorization_id,
                "orderId": order_id,
                "amount": _money_json(amount, currency),
            },
        )

    def refund(self, authorization_id: str, body: dict[str, Any]) -> Answer:
        amount, currency = _money(body.get("amount"))
        authorization = self._authorizations.get(authorization_id)
        if authorization is None:
            self.stats.refusals += 1
            return _NOT_FOUND
        refusal = _refusal(authorization, amount, currency)
        if refusal is not None:
            self.stats.refusals += 1
            return refusal
        authorization.refunded += amount
        self.stats.refunds += 1
        refund_id = self._new_id("ref_")
        return Answer(
            201,
            {
                "refundId": refund_id,
                "authorizationId": authorization_id,
                "amount": _money_json(amount, currency),
            },
        )

    def _new_id(self, prefix: str) -> str:
        return prefix + "".join(self.ids.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))


def fingerprint(path: str, body: Mapping[str, Any]) -> str:
    """What makes two requests the same request: the path and the canonical body."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{path}\n{canonical}".encode()).hexdigest()


def _decline(
    settings: SimulatorSettings, customer_id: str, amount: Decimal
) -> tuple[str, str] | None:
    """The decline code and message for this charge, if the rules decline it."""
    customer = customer_id.lower()
    for rule in settings.decline_rules:
        if rule.customer_contains.lower() in customer:
            return rule.code, rule.message
    if settings.amount_limit is not None and amount > settings.amount_limit:
        return settings.amount_limit_code, f"The amount is above {settings.amount_limit}."
    return None


_NOT_FOUND = Answer(404, {"error": "authorization_not_found", "message": "no such authorization"})


def _refusal(authorization: _Authorization, amount: Decimal, currency: str) -> Answer | None:
    """Why this refund of ``authorization`` is refused for good, or None if it may go ahead."""
    if currency != authorization.currency:
        return Answer(
            422,
            {"error": "currency_mismatch", "message": f"authorized in {authorization.currency}"},
        )
    left = authorization.amount - authorization.refunded
    if left <= 0:
        return Answer(409, {"error": "already_refunded", "message": "nothing left to refund"})
    if amount > left:
        return Answer(
            422, {"error": "amount_exceeds_remaining", "message": f"{left} left to refund"}
        )
    return None


def _text(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequestError(f"{name} must be a non-empty string")
    return value


def _money(value: object) -> tuple[Decimal, str]:
    if not isinstance(value, dict):
        raise BadRequestError('amount must be {"amount": "12.34", "currency": "EUR"}')
    amount, currency = value.get("amount"), value.get("currency")
    if not isinstance(amount, str) or not _AMOUNT.match(amount) or Decimal(amount) <= 0:
        raise BadRequestError("amount.amount must be a positive decimal string")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise BadRequestError("amount.currency must be an ISO 4217 code")
    return Decimal(amount), currency


def _money_json(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": format(amount, "f"), "currency": currency}
