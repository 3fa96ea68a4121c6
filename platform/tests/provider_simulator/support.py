"""What the provider simulator tests share: a simulator served over real HTTP on loopback, a plain
client for it, and the outcomes of a run of authorizations."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import urllib3
from ordermesh_platform.provider_simulator import ProviderSimulator
from ordermesh_platform.runtime.server import BackgroundServer

KEY = "sim_test_key"


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


def serve(simulator: ProviderSimulator) -> Iterator[Provider]:
    http = urllib3.PoolManager()
    with BackgroundServer(simulator.app, "127.0.0.1", 0) as server:
        yield Provider(simulator, server.url, http)
        http.clear()  # close kept-alive connections before the server stops


def authorization_outcomes(provider: Provider, count: int) -> list[tuple[int, str | None]]:
    """Status and authorization id of ``count`` authorizations, each with its own key."""
    answers = [provider.authorize(key=f"k{n}", order_id=f"ord_{n:010d}") for n in range(count)]
    return [(a.status, a.body.get("authorizationId")) for a in answers]


def authorization_statuses(provider: Provider, count: int) -> list[int]:
    return [status for status, _ in authorization_outcomes(provider, count)]
