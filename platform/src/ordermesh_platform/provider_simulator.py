"""An external payment provider, simulated: a Starlette app to run the payment service against.

API (JSON bodies; every ``/v1`` request needs ``Authorization: Bearer <api key>``, else 401, and
an ``Idempotency-Key`` header, else 400)::

    POST /v1/authorizations
        {"orderId", "amount": {"amount": "12.34", "currency": "EUR"}, "customerId"}
        201 {"authorizationId": "auth_...", "orderId", "amount"}
        402 {"declineCode", "message"}
    POST /v1/authorizations/{authorizationId}/refunds      {"amount": {"amount", "currency"}}
        201 {"refundId": "ref_...", "authorizationId", "amount"}
        404 no such authorization; 409 nothing left to refund;
        422 more than is left to refund, or another currency

A malformed body is a 400. Errors are ``{"error": code, "message": text}``.

Idempotency, as real providers do it: the first final answer (201, 402, 404, 409, 422) to a key
is kept; the same key with the same request (path and body) gets that answer again, marked
``Idempotent-Replayed: true``, and charges or refunds nothing; the same key with another request
is a 422 ``idempotency_key_reused``. 400s, 401s and 503s are not kept: the request never ran.

Behaviour (``SimulatorSettings``):

- latency: every authenticated ``/v1`` request waits ``latency_seconds`` plus a uniform draw in
  ``[0, latency_jitter_seconds]``;
- transient failures: while the provider is down (the runtime switch or a ``(start, end)``
  outage window containing the clock's time, start included) every request is a 503; otherwise
  a request fails with 503 with probability ``transient_failure_rate``;
- declines: a customer id containing (case-insensitively) a rule's ``customer_contains`` is
  declined with the rule's code, first matching rule first. The default rules decline every
  customer whose id contains ``declined``: ``declinedfunds`` INSUFFICIENT_FUNDS,
  ``declinedexpired`` CARD_EXPIRED, ``declinedfraud`` FRAUD_SUSPECTED, ``declinedauth``
  AUTHENTICATION_FAILED, any other ``declined`` CARD_DECLINED (e.g. ``cus_declinedFraud1``).
  Then an amount above ``amount_limit`` (any currency) is declined with ``amount_limit_code``.
  The codes are the payment service's ``DeclineCode`` values.
- ``seed``: with a seed, latency draws, failure draws and ids repeat for the same sequence of
  requests.

Admin endpoints (no key; a local control plane for tests and demos)::

    POST /admin/outage    {"down": true|false}   -> {"down"}
    GET  /admin/settings                          -> the settings (without the API key)
    PUT  /admin/settings  {camelCase fields}      -> the settings; fields not given are kept
    GET  /admin/stats                             -> request, charge, decline and refund counts
    GET  /admin/calls                             -> {"calls": [...]}: the ledger of calls
    POST /admin/lose-answers {"count", "holdSeconds"} -> the next ``count`` new answers are
                                                     held back ``holdSeconds``: lost to a
                                                     caller with a shorter timeout

The ledger (``ordermesh_platform.provider_ledger``) records every call that reached the
provider's logic with its time, order id, status and whether it came while down, was a replay
or was lost. A lost answer is a request the provider carried out (an authorization taken and
charged) whose answer the caller never got: only its retry with the same idempotency key can
learn the outcome without a second charge.

State lives in memory behind one lock, so the app and the Python methods (``set_down``,
``update``, ``stats``) may be used from any thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import os
import random
import re
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordermesh_platform.provider_ledger import ProviderCall
from ordermesh_platform.provider_settings import (
    BadRequestError,
    SimulatorSettings,
    as_count,
    as_number,
    settings_from_json,
    settings_to_json,
)
from ordermesh_platform.shared.clock import Clock, SystemClock

Sleep = Callable[[float], Awaitable[None]]
Decide = Callable[[str, dict[str, Any]], "_Answer"]  # (idempotency key, body) -> answer

_AMOUNT = re.compile(r"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,4})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_KEPT_STATUSES = frozenset({201, 402, 404, 409, 422})
_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_ID_LENGTH = 24
_CHALLENGE = {"WWW-Authenticate": "Bearer"}
_RETRY_AFTER = {"Retry-After": "1"}


@dataclass(frozen=True)
class _Answer:
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
class _Stats:
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


class ProviderSimulator:
    """The simulator's state and its Starlette ``app``."""

    def __init__(
        self,
        settings: SimulatorSettings | None = None,
        *,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock or SystemClock()
        self._sleep = sleep
        self._settings = settings or SimulatorSettings()
        self._rng, self._ids = _generators(self._settings.seed)
        self._down = False
        self._answers: dict[str, _Answer] = {}
        self._authorizations: dict[str, _Authorization] = {}
        self._stats = _Stats()
        self._calls: list[ProviderCall] = []
        self._losing = _Losing()
        self.app = Starlette(
            routes=[
                Route("/v1/authorizations", self._authorize, methods=["POST"]),
                Route(
                    "/v1/authorizations/{authorization_id}/refunds", self._refund, methods=["POST"]
                ),
                Route("/admin/outage", self._outage, methods=["POST"]),
                Route("/admin/settings", self._settings_endpoint, methods=["GET", "PUT"]),
                Route("/admin/stats", self._stats_endpoint, methods=["GET"]),
                Route("/admin/calls", self._calls_endpoint, methods=["GET"]),
                Route("/admin/lose-answers", self._lose_answers_endpoint, methods=["POST"]),
            ]
        )

    # The Python control plane (the admin endpoints call these too).

    @property
    def settings(self) -> SimulatorSettings:
        with self._lock:
            return self._settings

    def update(self, settings: SimulatorSettings, *, reseed: bool = False) -> None:
        """Use ``settings`` from now on. The random draws restart from the seed when it changes
        or when ``reseed`` is true (a seed of None restarts them from a random one)."""
        with self._lock:
            self._use(settings, reseed=reseed)

    def _use(self, settings: SimulatorSettings, *, reseed: bool) -> None:
        if reseed or settings.seed != self._settings.seed:
            self._rng, self._ids = _generators(settings.seed)
        self._settings = settings

    def set_down(self, *, down: bool) -> None:
        """The runtime outage switch: while down, every request is a 503."""
        with self._lock:
            self._down = down

    def ledger(self) -> list[dict[str, str]]:
        """Every authorization made: its id, order, amount, currency and the amount refunded."""
        with self._lock:
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

    def stats(self) -> dict[str, Any]:
        """What ``GET /admin/stats`` answers."""
        with self._lock:
            return {**self._stats.to_json(), "down": self._down}

    def calls(self) -> tuple[ProviderCall, ...]:
        """The ledger: every call that reached the provider's logic, oldest first."""
        with self._lock:
            return tuple(self._calls)

    def lose_answers(self, count: int, *, hold_seconds: float) -> None:
        """The next ``count`` new answers (not replays, not 503s) are decided and carried out,
        then held back ``hold_seconds``: a caller whose timeout is shorter never gets them."""
        losing = _Losing(count, hold_seconds)  # checks the values
        with self._lock:
            self._losing = losing

    # The provider API.

    async def _authorize(self, request: Request) -> Response:
        return await self._serve(request, self._decide_authorization)

    async def _refund(self, request: Request) -> Response:
        authorization_id = str(request.path_params["authorization_id"])

        def decide(key: str, body: dict[str, Any]) -> _Answer:
            return self._decide_refund(authorization_id, key, body)

        return await self._serve(request, decide)

    async def _serve(self, request: Request, decide: Decide) -> Response:
        """Authenticate, wait, maybe fail, then answer once per idempotency key."""
        if not self._authenticated(request):
            return _error(401, "unauthorized", "missing or wrong bearer API key", _CHALLENGE)
        key = request.headers.get("idempotency-key", "")
        if not key:
            return _error(400, "missing_idempotency_key", "an Idempotency-Key header is required")
        try:
            body = _json_object(await request.body())
        except BadRequestError as error:
            return _error(400, "invalid_request", str(error))
        received = self._clock.now()
        await self._sleep(self._draw_latency())
        with self._lock:
            response, hold = self._answer(key, request.url.path, body, decide, received)
        if hold:
            await self._sleep(hold)  # the caller has given up by now: the answer is lost
        return response

    def _authenticated(self, request: Request) -> bool:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            self._stats.requests += 1
            expected = self._settings.api_key.encode()
            if scheme.lower() == "bearer" and hmac.compare_digest(key.encode(), expected):
                return True
            self._stats.unauthorized += 1
            return False

    def _answer(
        self, key: str, path: str, body: dict[str, Any], decide: Decide, received: float
    ) -> tuple[Response, float]:
        """Under the lock: a 503, the kept answer to ``key``, or a new answer (kept if final),
        recorded in the ledger; and how long to hold it back (a lost answer) or 0."""
        call = ProviderCall(self._clock.now(), path, key, _order_id(body), 503, received=received)
        down = self._is_down()
        if down or self._transient_failure():
            self._stats.transient_failures += 1
            self._stats.calls_while_down += int(down)
            self._calls.append(dataclasses.replace(call, down=down))
            return _error(503, "service_unavailable", "try again later", _RETRY_AFTER), 0.0
        fingerprint = _fingerprint(path, body)
        kept = self._answers.get(key)
        if kept is not None:
            replayed = kept.fingerprint == fingerprint
            response = self._replay(kept, fingerprint)
            status = response.status_code
            self._calls.append(dataclasses.replace(call, status=status, replayed=replayed))
            return response, 0.0
        try:
            answer = dataclasses.replace(decide(key, body), fingerprint=fingerprint)
        except BadRequestError as error:
            self._calls.append(dataclasses.replace(call, status=400))
            return _error(400, "invalid_request", str(error)), 0.0
        if answer.status in _KEPT_STATUSES:
            self._answers[key] = answer
        hold = self._losing.take()
        self._stats.lost_answers += int(hold > 0)
        self._calls.append(dataclasses.replace(call, status=answer.status, lost=hold > 0))
        return JSONResponse(answer.body, status_code=answer.status), hold

    def _draw_latency(self) -> float:
        with self._lock:
            settings = self._settings
            jitter = settings.latency_jitter_seconds
            return settings.latency_seconds + (self._rng.uniform(0, jitter) if jitter else 0.0)

    def _is_down(self) -> bool:
        return self._down or self._in_outage_window()

    def _transient_failure(self) -> bool:
        rate = self._settings.transient_failure_rate
        return rate > 0 and self._rng.random() < rate

    def _in_outage_window(self) -> bool:
        now = datetime.fromtimestamp(self._clock.now(), UTC)
        return any(start <= now < end for start, end in self._settings.outage_windows)

    def _replay(self, answer: _Answer, fingerprint: str) -> Response:
        if answer.fingerprint != fingerprint:
            self._stats.idempotency_conflicts += 1
            return _error(
                422,
                "idempotency_key_reused",
                "this Idempotency-Key was used with another request",
            )
        self._stats.replays += 1
        return JSONResponse(
            answer.body, status_code=answer.status, headers={"Idempotent-Replayed": "true"}
        )

    def _decide_authorization(self, key: str, body: dict[str, Any]) -> _Answer:
        order_id = _text(body, "orderId")
        customer_id = _text(body, "customerId")
        amount, currency = _money(body.get("amount"))
        decline = self._decline(customer_id, amount)
        if decline is not None:
            self._stats.declines += 1
            code, message = decline
            return _Answer(402, {"declineCode": code, "message": message})
        authorization_id = self._new_id("auth_")
        self._authorizations[authorization_id] = _Authorization(order_id, amount, currency)
        self._stats.authorizations += 1
        self._stats.charges[key] += 1
        self._stats.charges_by_order[order_id] += 1
        return _Answer(
            201,
            {
                "authorizationId": authorization_id,
                "orderId": order_id,
                "amount": _money_json(amount, currency),
            },
        )

    def _decline(self, customer_id: str, amount: Decimal) -> tuple[str, str] | None:
        """The decline code and message for this charge, if the rules decline it."""
        settings = self._settings
        customer = customer_id.lower()
        for rule in settings.decline_rules:
            if rule.customer_contains.lower() in customer:
                return rule.code, rule.message
        if settings.amount_limit is not None and amount > settings.amount_limit:
            return settings.amount_limit_code, f"The amount is above {settings.amount_limit}."
        return None

    def _decide_refund(self, authorization_id: str, _key: str, body: dict[str, Any]) -> _Answer:
        amount, currency = _money(body.get("amount"))
        authorization = self._authorizations.get(authorization_id)
        if authorization is None:
            self._stats.refusals += 1
            return _NOT_FOUND
        refusal = _refusal(authorization, amount, currency)
        if refusal is not None:
            self._stats.refusals += 1
            return refusal
        authorization.refunded += amount
        self._stats.refunds += 1
        refund_id = self._new_id("ref_")
        return _Answer(
            201,
            {
                "refundId": refund_id,
                "authorizationId": authorization_id,
                "amount": _money_json(amount, currency),
            },
        )

    def _new_id(self, prefix: str) -> str:
        return prefix + "".join(self._ids.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))

    # The admin endpoints.

    async def _outage(self, request: Request) -> Response:
        try:
            down = _down_flag(await request.body())
        except BadRequestError as error:
            return _error(400, "invalid_request", str(error))
        self.set_down(down=down)
        return JSONResponse({"down": down})

    async def _settings_endpoint(self, request: Request) -> Response:
        if request.method == "PUT":
            try:
                changes = _json_object(await request.body())
                with self._lock:
                    settings = settings_from_json(self._settings, changes)
                    self._use(settings, reseed="seed" in changes)
            except ValueError as error:  # BadRequestError, or settings that fail validation
                return _error(400, "invalid_settings", str(error))
        return JSONResponse(settings_to_json(self.settings))

    async def _stats_endpoint(self, _request: Request) -> Response:
        return JSONResponse(self.stats())

    async def _calls_endpoint(self, _request: Request) -> Response:
        return JSONResponse({"calls": [call.to_json() for call in self.calls()]})

    async def _lose_answers_endpoint(self, request: Request) -> Response:
        try:
            changes = _json_object(await request.body())
            count = as_count(changes.get("count"))
            self.lose_answers(count, hold_seconds=as_number(changes.get("holdSeconds")))
        except ValueError as error:  # BadRequestError, or values _Losing refuses
            return _error(400, "invalid_request", str(error))
        return JSONResponse({"count": count})


@dataclass
class _Losing:
    """How many of the next new answers to lose, and how long each is held back."""

    count: int = 0
    hold_seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("count must not be negative")
        if self.count and self.hold_seconds <= 0:
            raise ValueError("holdSeconds must be positive")

    def take(self) -> float:
        """How long to hold back the answer being given now (0: not lost)."""
        if not self.count:
            return 0.0
        self.count -= 1
        return self.hold_seconds


def _generators(seed: int | None) -> tuple[random.Random, random.Random]:
    """Draws for latency and failures, and draws for ids (apart, so ids do not shift draws)."""
    base = seed if seed is not None else int.from_bytes(os.urandom(8), "big")
    return random.Random(base), random.Random(base + 1)  # noqa: S311 - a simulation, not secrets


_NOT_FOUND = _Answer(404, {"error": "authorization_not_found", "message": "no such authorization"})


def _refusal(authorization: _Authorization, amount: Decimal, currency: str) -> _Answer | None:
    """Why this refund of ``authorization`` is refused for good, or None if it may go ahead."""
    if currency != authorization.currency:
        return _Answer(
            422,
            {"error": "currency_mismatch", "message": f"authorized in {authorization.currency}"},
        )
    left = authorization.amount - authorization.refunded
    if left <= 0:
        return _Answer(409, {"error": "already_refunded", "message": "nothing left to refund"})
    if amount > left:
        return _Answer(
            422, {"error": "amount_exceeds_remaining", "message": f"{left} left to refund"}
        )
    return None


def _error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise BadRequestError("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    return body


def _down_flag(raw: bytes) -> bool:
    down = _json_object(raw).get("down")
    if not isinstance(down, bool):
        raise BadRequestError("down must be true or false")
    return down


def _fingerprint(path: str, body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{path}\n{canonical}".encode()).hexdigest()


def _text(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequestError(f"{name} must be a non-empty string")
    return value


def _order_id(body: Mapping[str, Any]) -> str | None:
    order_id = body.get("orderId")
    return order_id if isinstance(order_id, str) else None


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
