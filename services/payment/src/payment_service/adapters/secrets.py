"""Where the payment provider's API key comes from: a port and its adapters.

- ``SecretsManagerApiKey``: AWS Secrets Manager (``GetSecretValue``), cached for a time to live,
  so a rotated key is picked up without a redeploy and a warm Lambda does not call Secrets
  Manager on every request. The secret string is the key itself or, with ``json_field``, a JSON
  object holding it.
- ``StaticApiKey``: a fixed key, given or read from an environment variable (local runs, tests).

``ApiKeySource.api_key`` fits ``HttpPaymentProvider``'s ``api_key`` argument as a function.
"""

from __future__ import annotations

import abc
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from payment_service.domain.errors import PaymentError

DEFAULT_TTL_SECONDS = 300.0


class ApiKeyError(PaymentError):
    """There is no usable API key where the source looks for it."""


class ApiKeySource(abc.ABC):
    @abc.abstractmethod
    def api_key(self) -> str:
        """The provider API key to send now."""


class StaticApiKey(ApiKeySource):
    def __init__(self, key: str) -> None:
        if not key:
            raise ApiKeyError("the API key is empty")
        self._key = key

    @classmethod
    def from_environment(
        cls, variable: str, environ: Mapping[str, str] = os.environ
    ) -> StaticApiKey:
        key = environ.get(variable)
        if not key:
            raise ApiKeyError(f"environment variable {variable} holds no API key")
        return cls(key)

    def api_key(self) -> str:
        return self._key


class SecretsManagerClient(Protocol):
    """The part of a boto3 Secrets Manager client the adapter uses."""

    def get_secret_value(self, **kwargs: Any) -> Mapping[str, Any]: ...


class SecretsManagerApiKey(ApiKeySource):
    """The key in a Secrets Manager secret, read again once ``ttl_seconds`` have passed.

    Thread-safe: concurrent callers share one read. Errors of the client (a missing secret,
    no permission) propagate and nothing is cached.
    """

    def __init__(
        self,
        client: SecretsManagerClient,
        secret_id: str,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        json_field: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._secret_id = secret_id
        self._ttl = ttl_seconds
        self._json_field = json_field
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cached: tuple[str, float] | None = None  # key, when it was read

    def api_key(self) -> str:
        with self._lock:
            now = self._monotonic()
            if self._cached is None or now - self._cached[1] >= self._ttl:
                self._cached = (self._read(), now)
            return self._cached[0]

    def invalidate(self) -> None:
        """Forget the cached key: the next ``api_key`` reads the secret again."""
        with self._lock:
            self._cached = None

    def _read(self) -> str:
        answer = self._client.get_secret_value(SecretId=self._secret_id)
        text = answer.get("SecretString")
        if not isinstance(text, str):
            raise ApiKeyError(f"secret {self._secret_id} has no secret string")
        key = text if self._json_field is None else self._field(text)
        if not key:
            raise ApiKeyError(f"secret {self._secret_id} holds an empty API key")
        return key

    def _field(self, text: str) -> str:
        try:
            document = json.loads(text)
        except ValueError:
            raise ApiKeyError(f"secret {self._secret_id} is not a JSON object") from None
        value = document.get(self._json_field) if isinstance(document, dict) else None
        if not isinstance(value, str):
            raise ApiKeyError(f"secret {self._secret_id} has no text field {self._json_field}")
        return value
