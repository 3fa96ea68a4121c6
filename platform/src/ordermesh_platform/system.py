"""The whole system on one machine: the runtime wired from the manifests, the payment provider
simulator it talks to, the HTTP endpoint (the services' APIs and the AWS APIs on one port), and
inventory seeded from the product catalog. ``ordermesh up`` runs one; end-to-end tests too.
"""

from __future__ import annotations

import gc
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from ordermesh_platform.provider_settings import SimulatorSettings
from ordermesh_platform.provider_simulator import ProviderSimulator
from ordermesh_platform.runtime.http_api import call
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.runtime.server import BackgroundServer
from ordermesh_platform.shared.clock import Clock

CATALOG = Path("catalog") / "products.json"
ENDPOINTS = "system.json"  # in the state folder: the running system's URLs


@dataclass(frozen=True)
class SystemOptions:
    host: str = "127.0.0.1"
    port: int = 0  # the APIs (0: any free port)
    provider_port: int = 0  # the provider simulator
    seed: bool = True  # seed inventory from the catalog on start
    provider: SimulatorSettings | None = None
    # Another provider (its URL and API key) instead of starting the simulator in this process.
    provider_endpoint: tuple[str, str] | None = None
    breaker_recovery_seconds: float = 5.0
    provider_timeout: float = 2.0


class LocalSystem:
    def __init__(
        self,
        root: Path,
        runtime_options: RuntimeOptions,
        options: SystemOptions | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.root = root
        self.options = options or SystemOptions()
        self.runtime = LocalRuntime.from_project(root, runtime_options, clock=clock)
        self.provider_server: BackgroundServer | None = None
        try:
            self._connect()
        except BaseException:  # a port taken, say: nothing of the runtime stays open
            self._release()
            raise

    def _connect(self) -> None:
        """The provider (the simulator's port, or another provider) and the APIs' port."""
        provider_settings = self.options.provider or SimulatorSettings(
            api_key=f"sim_{secrets.token_hex(8)}"
        )
        self.provider = ProviderSimulator(provider_settings)
        if self.options.provider_endpoint is None:
            self.provider_server = BackgroundServer(
                self.provider.app, self.options.host, self.options.provider_port
            )
            provider_url, api_key = self.provider_server.url, provider_settings.api_key
        else:
            provider_url, api_key = self.options.provider_endpoint
        self.provider_url = provider_url
        self.runtime.settings.update(
            {
                "PROVIDER_URL": provider_url,
                "PROVIDER_API_KEY": api_key,
                "PROVIDER_TIMEOUT": str(self.options.provider_timeout),
                "BREAKER_RECOVERY_SECONDS": str(self.options.breaker_recovery_seconds),
            }
        )
        self.server = BackgroundServer(
            self.runtime.http_app(), self.options.host, self.options.port
        )

    @property
    def url(self) -> str:
        return self.server.url

    def seed(self, catalog: Path | None = None) -> dict[str, Any]:
        """Create stock for every catalog SKU not seen before (through the inventory API)."""
        items = json.loads((catalog or self.root / CATALOG).read_text(encoding="utf-8"))["items"]
        status, body = self.call("POST", "/inventory/seed", {"items": items})
        if status != 200:  # noqa: PLR2004
            message = f"seeding inventory failed ({status}): {body}"
            raise RuntimeError(message)
        return dict(body)

    def seedable(self) -> bool:
        """Whether there is a catalog and an inventory API to seed from it."""
        has_route = self.runtime.routes.match("POST", "/inventory/seed") is not None
        return has_route and (self.root / CATALOG).is_file()

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Call one of the system's HTTP routes in process."""
        return call(self.runtime.functions, self.runtime.routes, method, path, body)

    def start(self) -> Self:
        if self.provider_server is not None:
            self.provider_server.start()
        if self.options.seed and self.seedable():
            self.seed()
        self.runtime.start()
        self.server.start()
        self._write_endpoints()
        # What starting made (modules, compiled schemas, models) lives as long as the process:
        # out of the collector's sight, a full collection takes a few milliseconds instead of
        # ~70 ms, a pause every order under way would wait out. (Garbage first: frozen objects
        # are never collected.)
        gc.collect()
        gc.freeze()
        return self

    def _write_endpoints(self) -> None:
        """Where this system serves, in its state folder, for the commands that drive it."""
        endpoints = {"url": self.url, "providerUrl": self.provider_url}
        path = self.runtime.store.path.parent / ENDPOINTS
        path.write_text(json.dumps(endpoints) + "\n", encoding="utf-8")

    def stop(self) -> None:
        self.server.stop()
        self._release()

    def _release(self) -> None:
        self.runtime.close()
        if self.provider_server is not None:
            self.provider_server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
