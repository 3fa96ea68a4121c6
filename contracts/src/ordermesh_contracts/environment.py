"""Where a handler runs: in AWS, or inside the local runtime.

A service's composition root (``bootstrap.py``) asks ``current()`` once per cold start. In AWS
it is ``None``: settings come from the function's environment variables and clients from boto3.
Inside ``ordermesh up`` the runtime activates a ``LocalEnvironment`` for its process: every
function runs in that one process, so per-function environment variables cannot exist; instead
the environment names the state folder (each service keeps its SQLite files there), the settings
the runtime gives the services (the payment provider's URL, the bus name) and a client factory
whose clients have boto3's method names and shapes but call the runtime in process. A service's
AWS adapter (``Boto3EventBus``, a Step Functions adapter) then works unchanged on both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ClientFactory = Callable[[str], Any]  # service name ("events", "stepfunctions", "sns") -> client


@dataclass(frozen=True, eq=False)
class LocalEnvironment:
    """The local runtime as seen by handlers. Compared by identity: two runtimes in one process
    (one after the other, in tests) are two environments."""

    state_dir: Path
    clients: ClientFactory
    settings: Mapping[str, str] = field(default_factory=dict)

    def client(self, service_name: str) -> Any:
        return self.clients(service_name)

    def database(self, service: str) -> Path:
        """The SQLite file of one service's local storage."""
        return self.state_dir / f"{service}.sqlite"


_lock = threading.Lock()
_active: list[LocalEnvironment] = []


def activate(environment: LocalEnvironment) -> None:
    """Handlers in this process now run inside ``environment`` (the runtime calls this)."""
    with _lock:
        _active.append(environment)


def deactivate(environment: LocalEnvironment) -> None:
    with _lock:
        if environment in _active:
            _active.remove(environment)


def current() -> LocalEnvironment | None:
    """The innermost active local environment, or ``None`` in AWS."""
    with _lock:
        return _active[-1] if _active else None


def aws_client(service_name: str) -> Any:
    """A client for ``service_name``: the local runtime's in-process one, or boto3's."""
    environment = current()
    if environment is not None:
        return environment.client(service_name)
    import boto3

    return boto3.client(service_name)  # type: ignore[call-overload]


def per_environment(build: Callable[[], T]) -> Callable[[], T]:
    """``build()`` once per environment (each local runtime, or the one AWS cold start), then
    the same object: a composition root's cache."""
    lock = threading.Lock()
    built: dict[object, T] = {}

    def get() -> T:
        key: object = current() or "aws"
        with lock:
            if key not in built:
                built[key] = build()
            return built[key]

    return get
