"""HttpPaymentProvider against a small stdlib HTTP server on loopback that answers as scripted
and records what it received."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import urllib3
from payment_service.adapters.http_provider import HttpPaymentProvider, ProviderRequestError
from payment_service.adapters.memory import (
    FakeClock,
    FakeSleep,
    InMemoryBreakerStateStore,
    InMemoryPaymentRepository,
    ScriptedRandom,
)
from payment_service.adapters.ports import Authorization, ProviderDecline, ProviderRefund
from payment_service.domain.breaker import BreakerPolicy
from payment_service.domain.commands import AuthorizePayment
from payment_service.domain.errors import ProviderTransientError, RefundRejectedError
from payment_service.domain.events import DeclineCode, PaymentAuthorized
from payment_service.domain.money import Money
from payment_service.domain.retry import RetryPolicy
from payment_service.service_layer.authorize_payment import authorize_payment
from payment_service.service_layer.breaker import CircuitBreaker
from payment_service.service_layer.resilience import Resilience

API_KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
AMOUNT = Money(Decimal("214.00"), "EUR")
AUTHORIZED = {"authorizationId": "auth_x7Yq2"}


@dataclass(frozen=True)
class Scripted:
    """One answer of the fake: a status and body, after a delay; or hanging up without one."""

    status: int = 201
    body: object = field(default_factory=lambda: AUTHORIZED)
    delay: float = 0.0
    hang_up: bool = False


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeProviderServer:
    """Answers requests in turn from ``script`` (then 201 AUTHORIZED); records each request."""

    def __init__(self) -> None:
        self.script: list[Scripted] = []
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def answer(self, *answers: Scripted) -> None:
        with self._lock:
            self.script.extend(answers)

    def _next(self, received: Received) -> Scripted:
        with self._lock:
            self.received.append(received)
            return self.script.pop(0) if self.script else Scripted()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                scripted = fake._next(
                    Received("POST", self.path, dict(self.headers.items()), json.loads(raw))
                )
                time.sleep(scripted.delay)
                if scripted.hang_up:
                    self.close_connection = True
                    return
                data = (
                    scripted.body
                    if isinstance(scripted.body, bytes)
                    else json.dumps(scripted.body).encode()
                )
                self.send_response(scripted.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    fake = FakeProviderServer()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def pool() -> Iterator[urllib3.PoolManager]:
    manager = urllib3.PoolManager(num_pools=2, maxsize=4)
    yield manager
    manager.clear()


@pytest.fixture
def provider(server: FakeProviderServer, pool: urllib3.PoolManager) -> HttpPaymentProvider:
    return HttpPaymentProvider(server.url, API_KEY, timeout=2.0, pool=pool)


def _authorize(provider: HttpPaymentProvider, key: str = "ordermesh:ord_1:authorize") -> Any:
    return provider.authorize(key, "ord_01JDK2V9N4RY", AMOUNT, "cus_7Hq2Lk9P")


# Authorizations.


def test_an_authorization_posts_the_order_with_key_and_bearer_token(
    provider: HttpPaymentProvider, server: FakeProviderServer
) -> None:
    result = _authorize(provider, key="ordermesh:ord_01JDK2V9N4RY:authorize")

    assert result == Authorization("auth_x7Yq2")
    [request] = server.received
    assert (request.method, request.path) == ("POST", "/v1/authorizations")
    assert request.headers["Idempotency-Key"] == "ordermesh:ord_01JDK2V9N4RY:authorize"
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == {
        "orderId": "ord_01JDK2V9N4RY",
        "amount": {"amount": "214.00", "currency": "EUR"},
        "customerId": "cus_7Hq2Lk9P",
    }


def test_a_402_is_a_decline_with_the_providers_code_and_message(
    provider: HttpPaymentProvider, server: FakeProviderServer
) -> None:
    server.answer(Scripted(402, {"declineCode": "FRAUD_SUSPECTED", "message": "Suspected fraud."}))

    assert _authorize(provider) == ProviderDecline(DeclineCode.FRAUD_SUSPECTED, "Suspected fraud.")


@pytest.mark.parametrize("body", [{"declineCode": "DO_NOT_HONOR", "message": "No."}, {}, b"x"])
def test_a_402_with_an_unknown_code_is_a_card_decline_that_keeps_the_code(
    provider: HttpPaymentProvider, server: FakeProviderServer, body: object
) -> None:
    server.answer(Scripted(402, body))

    result = _authorize(provider)

    assert isinstance(result, ProviderDecline)
    assert result.code is DeclineCode.CARD_DECLINED
    if isinstance(body, dict) and body:
        assert "DO_NOT_HONOR" in result.message


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 429])
def test_server_errors_and_throttling_are_transient(
    provider: HttpPaymentProvider, server: FakeProviderServer, status: int
) -> None:
    server.answer(Scripted(status, {"error": "service_unavailable"}))

    with pytest.raises(ProviderTransientError, match=str(status)):
        _authorize(provider)


def test_a_timeout_is_transient(server: FakeProviderServer, pool: urllib3.PoolManager) -> None:
    provider = HttpPaymentProvider(server.url, API_KEY, timeout=0.2, pool=pool)
    server.answer(Scripted(delay=1.0))
    started = time.monotonic()

    with pytest.raises(ProviderTransientError):
        _authorize(provider)

    assert time.monotonic() - started < 0.9


def test_a_connection_refused_is_transient(pool: urllib3.PoolManager) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = HttpPaymentProvider(f"http://127.0.0.1:{port}", API_KEY, timeout=1.0, pool=pool)

    with pytest.raises(ProviderTransientError):
        _authorize(provider)


def test_a_connection_closed_without_an_answer_is_transient(
    provider: HttpPaymentProvider, server: FakeProviderServer
) -> None:
    server.answer(Scripted(hang_up=True))

    with pytest.raises(ProviderTransientError):
        _authorize(provider)


@pytest.mark.parametrize("body", [{}, {"authorizationId": ""}, b"<html>OK</html>"])
def test_a_success_without_an_authorization_id_is_transient(
    provider: HttpPaymentProvider, server: FakeProviderServer, body: object
) -> None:
    server.answer(Scripted(201, body))

    with pytest.raises(ProviderTransientError, match="authorizationId"):
        _authorize(provider)


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_a_refused_request_is_neither_a_decline_nor_transient(
    provider: HttpPaymentProvider, server: FakeProviderServer, status: int
) -> None:
    server.answer(Scripted(status, {"error": "unauthorized", "message": "wrong key"}))

    with pytest.raises(ProviderRequestError, match="wrong key") as raised:
        _authorize(provider)

    assert raised.value.status == status
    assert not isinstance(raised.value, ProviderTransientError)


def test_a_key_function_is_called_for_every_request(
    server: FakeProviderServer, pool: urllib3.PoolManager
) -> None:
    keys = iter(["sk_old", "sk_rotated"])
    provider = HttpPaymentProvider(server.url + "/", lambda: next(keys), timeout=2.0, pool=pool)

    _authorize(provider)
    _authorize(provider)

    assert [r.headers["Authorization"] for r in server.received] == [
        "Bearer sk_old",
        "Bearer sk_rotated",
    ]
    assert [r.path for r in server.received] == ["/v1/authorizations"] * 2


# Refunds.


def test_a_refund_posts_the_amount_to_the_authorizations_refunds(
    provider: HttpPaymentProvider, server: FakeProviderServer
) -> None:
    server.answer(Scripted(201, {"refundId": "ref_9Kd2"}))

    result = provider.refund("ordermesh:ord_1:refund", "auth_x7Yq2", AMOUNT)

    assert result == ProviderRefund("ref_9Kd2")
    [request] = server.received
    assert request.path == "/v1/authorizations/auth_x7Yq2/refunds"
    assert request.headers["Idempotency-Key"] == "ordermesh:ord_1:refund"
    assert request.body == {"amount": {"amount": "214.00", "currency": "EUR"}}


def test_an_authorization_id_is_escaped_in_the_path(
    provider: HttpPaymentProvider, server: FakeProviderServer
) -> None:
    server.answer(Scripted(201, {"refundId": "ref_1"}))

    provider.refund("k", "auth/../x y", AMOUNT)

    assert server.received[0].path == "/v1/authorizations/auth%2F..%2Fx%20y/refunds"


@pytest.mark.parametrize("status", [404, 409, 422])
def test_a_refund_refused_for_good_is_rejected(
    provider: HttpPaymentProvider, server: FakeProviderServer, status: int
) -> None:
    server.answer(Scripted(status, {"error": "already_refunded", "message": "nothing left"}))

    with pytest.raises(RefundRejectedError, match="nothing left"):
        provider.refund("k", "auth_x7Yq2", AMOUNT)


def test_a_refund_that_fails_with_a_503_is_transient(
    provider: HttpPaymentProvider, server: FakeProviderServer
) -> None:
    server.answer(Scripted(503, {"error": "service_unavailable"}))

    with pytest.raises(ProviderTransientError):
        provider.refund("k", "auth_x7Yq2", AMOUNT)


# Through the use case.


def test_the_use_case_retries_transient_failures_with_the_same_key(
    provider: HttpPaymentProvider, server: FakeProviderServer
) -> None:
    server.answer(Scripted(503, {}), Scripted(hang_up=True), Scripted(201, AUTHORIZED))
    clock = FakeClock()
    breaker = CircuitBreaker(InMemoryBreakerStateStore(), clock, BreakerPolicy(failure_threshold=5))
    resilience = Resilience(
        breaker, ScriptedRandom(), RetryPolicy(max_attempts=3), FakeSleep(clock)
    )
    command = AuthorizePayment("ord_01JDK2V9N4RY", "cus_7Hq2Lk9P", AMOUNT, "res_01JDK2V7B3MX")

    outcome = authorize_payment(command, InMemoryPaymentRepository(), provider, resilience)

    assert isinstance(outcome, PaymentAuthorized)
    assert outcome.provider_reference == "auth_x7Yq2"
    assert outcome.provider == "simulator"
    keys = {r.headers["Idempotency-Key"] for r in server.received}
    assert keys == {"ordermesh:ord_01JDK2V9N4RY:authorize"}
    assert len(server.received) == 3
