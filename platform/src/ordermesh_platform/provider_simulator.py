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

This module is the HTTP app, the faults and the ledger; what the provider decides (authorize or
decline, refund or refuse, the kept answers) is ``ordermesh_platform.provider_decisions``. State
lives in memory behind one lock, so the app and the Python methods (``set_down``, ``update``,
``stats``) may be used from any thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import json
import os
import random
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordermesh_platform.provider_decisions import Answer, ProviderDecisions, fingerprint
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
Decide = Callable[[str, dict[str, Any]], Answer]  # (idempotency key, body) -> answer

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
_RETRY_AFTER = {"Retry-After": "1"}
_REPLAYED = {"Idempotent-Replayed": "true"}


class ProviderSimulator:
    """The simulator's state and its Starlette ``app``; its decisions are ``ProviderDecisions``."""

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
        self._rng, ids = _generators(self._settings.seed)
        self._decisions = ProviderDecisions(ids)
        self._down = False
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
            self._rng, self._decisions.ids = _generators(settings.seed)
        self._settings = settings

    def set_down(self, *, down: bool) -> None:
        """The runtime outage switch: while down, every request is a 503."""
        with self._lock:
            self._down = down

    def ledger(self) -> list[dict[str, str]]:
        """Every authorization made: its id, order, amount, currency and the amount refunded."""
        with self._lock:
            return self._decisions.ledger()

    def stats(self) -> dict[str, Any]:
        """What ``GET /admin/stats`` answers."""
        with self._lock:
            return {**self._decisions.stats.to_json(), "down": self._down}

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
        def decide(key: str, body: dict[str, Any]) -> Answer:
            return self._decisions.authorize(self._settings, key, body)

        return await self._serve(request, decide)

    async def _refund(self, request: Request) -> Response:
        authorization_id = str(request.path_params["authorization_id"])

        def decide(_key: str, body: dict[str, Any]) -> Answer:
            return self._decisions.refund(authorization_id, body)

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
            self._decisions.stats.requests += 1
            expected = self._settings.api_key.encode()
            if scheme.lower() == "bearer" and hmac.compare_digest(key.encode(), expected):
                return True
            self._decisions.stats.unauthorized += 1
            return False

    def _answer(
        self, key: str, path: str, body: dict[str, Any], decide: Decide, received: float
    ) -> tuple[Response, float]:
        """Under the lock: a 503, the kept answer to ``key``, or a new answer (kept if final),
        recorded in the ledger; and how long to hold it back (a lost answer) or 0."""
        call = ProviderCall(self._clock.now(), path, key, _order_id(body), 503, received=received)
        down = self._is_down()
        if down or self._transient_failure():
            self._decisions.stats.transient_failures += 1
            self._decisions.stats.calls_while_down += int(down)
            self._calls.append(dataclasses.replace(call, down=down))
            return _error(503, "service_unavailable", "try again later", _RETRY_AFTER), 0.0
        request_fingerprint = fingerprint(path, body)
        kept = self._decisions.kept(key)
        if kept is not None:
            replayed = kept.fingerprint == request_fingerprint
            answer = self._decisions.replay(kept, request_fingerprint)
            headers = _REPLAYED if replayed else None
            self._calls.append(dataclasses.replace(call, status=answer.status, replayed=replayed))
            return JSONResponse(answer.body, status_code=answer.status, headers=headers), 0.0
        try:
            answer = dataclasses.replace(decide(key, body), fingerprint=request_fingerprint)
        except BadRequestError as error:
            self._calls.append(dataclasses.replace(call, status=400))
            return _error(400, "invalid_request", str(error)), 0.0
        self._decisions.keep(key, answer)
        hold = self._losing.take()
        self._decisions.stats.lost_answers += int(hold > 0)
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


def _order_id(body: Mapping[str, Any]) -> str | None:
    order_id = body.get("orderId")
    return order_id if isinstance(order_id, str) else None
