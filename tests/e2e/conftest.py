"""The whole system in this process: runtime, services, saga, provider simulator, HTTP APIs."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ordermesh_platform.runtime.runtime import RuntimeOptions
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.system import LocalSystem, SystemOptions

ROOT = Path(__file__).resolve().parents[2]


class Client:
    def __init__(self, system: LocalSystem) -> None:
        self.system = system
        self.url = system.url

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        data = body if isinstance(body, bytes) else None
        if body is not None and data is None:
            data = json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.url + path,
            data=data,
            method=method,
            headers={"content-type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return (
                    response.status,
                    json.loads(response.read() or b"null"),
                    dict(response.headers),
                )
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null"), dict(exc.headers)

    def place(self, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        headers = {"Idempotency-Key": key} if key else None
        status, answer, _ = self.request("POST", "/orders", body, headers)
        assert status == 202, answer
        return dict(answer)

    def order(self, order_id: str) -> dict[str, Any]:
        status, answer, _ = self.request("GET", f"/orders/{order_id}")
        assert status == 200, answer
        return dict(answer)

    def settled(self, order_id: str, timeout: float = 20.0) -> dict[str, Any]:
        return wait_for(lambda: self._final(order_id), timeout, f"order {order_id} to settle")

    def _final(self, order_id: str) -> dict[str, Any] | None:
        order = self.order(order_id)
        return order if order["status"] != "PENDING" else None

    def saga(self, order_id: str) -> dict[str, Any]:
        status, answer, _ = self.request("GET", f"/sagas/{order_id}")
        assert status == 200, answer
        return dict(answer)

    def stock(self, sku: str) -> dict[str, Any]:
        status, answer, _ = self.request("GET", f"/inventory/{sku}")
        assert status == 200, answer
        return dict(answer)

    def breaker(self, name: str = "payment-provider") -> str | None:
        """The breaker's status on the operators' ``GET /platform/status`` (None before the
        payment service has stored any state for it: a breaker that never tripped)."""
        status, answer, _ = self.request("GET", "/platform/status")
        assert status == 200, answer
        found = [b["status"] for b in answer["breakers"] if b["name"] == name]
        return found[0] if found else None


def charges_per_order(system: LocalSystem) -> dict[str, int]:
    """Authorizations the provider simulator took, per order id, from its own ledger (a replayed
    answer is not a charge; a second key for the same order is)."""
    return dict(system.provider.stats()["chargesByOrder"])


def wait_for(probe: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def order_body(
    *,
    customer: str = "cus_alice01",
    sku: str = "BOOK-0001",
    quantity: int = 1,
    price: str = "39.90",
) -> dict[str, Any]:
    return {
        "customerId": customer,
        "currency": "EUR",
        "lines": [
            {"sku": sku, "quantity": quantity, "unitPrice": {"amount": price, "currency": "EUR"}}
        ],
        "shippingAddress": {
            "name": "Alice",
            "line1": "1 Main St",
            "city": "Berlin",
            "postalCode": "10115",
            "country": "DE",
        },
    }


def start_system(tmp_path: Path, clock: Clock | None = None) -> LocalSystem:
    options = RuntimeOptions(
        state_dir=tmp_path / "state", poll_interval=0.01, retry_base_delay=1.0, function_logs=True
    )
    return LocalSystem(
        ROOT, options, SystemOptions(breaker_recovery_seconds=1.0), clock=clock
    ).start()


@pytest.fixture
def system(tmp_path: Path) -> Iterator[LocalSystem]:
    running = start_system(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def client(system: LocalSystem) -> Client:
    return Client(system)
