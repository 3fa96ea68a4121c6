"""Reading the provider API key: Secrets Manager (moto) with a cache, and a static key."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from payment_service.adapters.secrets import (
    ApiKeyError,
    SecretsManagerApiKey,
    StaticApiKey,
)

SECRET = "ordermesh/payment/provider-api-key"


class Ticking:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingClient:
    """A Secrets Manager client that counts its GetSecretValue calls."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls = 0
        self._lock = threading.Lock()

    def get_secret_value(self, **kwargs: Any) -> Mapping[str, Any]:
        with self._lock:
            self.calls += 1
        answer: Mapping[str, Any] = self._client.get_secret_value(**kwargs)
        return answer


@pytest.fixture
def secrets(aws: str) -> CountingClient:
    client = boto3.client("secretsmanager", region_name=aws)
    client.create_secret(Name=SECRET, SecretString="sk_live_first")
    return CountingClient(client)


def _rotate(secrets: CountingClient, value: str) -> None:
    secrets._client.put_secret_value(SecretId=SECRET, SecretString=value)


def test_the_key_is_the_secret_string(secrets: CountingClient) -> None:
    assert SecretsManagerApiKey(secrets, SECRET).api_key() == "sk_live_first"


def test_the_key_is_cached_for_the_ttl_then_read_again(secrets: CountingClient) -> None:
    clock = Ticking()
    source = SecretsManagerApiKey(secrets, SECRET, ttl_seconds=60, monotonic=clock)
    assert source.api_key() == "sk_live_first"
    _rotate(secrets, "sk_live_second")

    clock.now += 59.9
    still_cached = source.api_key()
    clock.now += 0.1
    refreshed = source.api_key()

    assert still_cached == "sk_live_first"
    assert refreshed == "sk_live_second"
    assert secrets.calls == 2


def test_invalidate_reads_the_secret_again_at_once(secrets: CountingClient) -> None:
    source = SecretsManagerApiKey(secrets, SECRET, ttl_seconds=3600)
    source.api_key()
    _rotate(secrets, "sk_live_second")

    source.invalidate()

    assert source.api_key() == "sk_live_second"
    assert secrets.calls == 2


def test_a_field_of_a_json_secret_is_the_key(secrets: CountingClient) -> None:
    _rotate(secrets, json.dumps({"apiKey": "sk_live_json", "other": "x"}))

    assert SecretsManagerApiKey(secrets, SECRET, json_field="apiKey").api_key() == "sk_live_json"


@pytest.mark.parametrize(
    "secret_string",
    ['{"other": "x"}', '{"apiKey": 42}', "not json", '["apiKey"]', '{"apiKey": ""}'],
)
def test_a_json_secret_without_a_usable_field_is_refused(
    secrets: CountingClient, secret_string: str
) -> None:
    _rotate(secrets, secret_string)

    with pytest.raises(ApiKeyError, match=SECRET):
        SecretsManagerApiKey(secrets, SECRET, json_field="apiKey").api_key()


def test_a_binary_secret_is_refused(aws: str) -> None:
    client = boto3.client("secretsmanager", region_name=aws)
    client.create_secret(Name="binary", SecretBinary=b"\x00\x01")

    with pytest.raises(ApiKeyError, match="no secret string"):
        SecretsManagerApiKey(client, "binary").api_key()


def test_a_missing_secret_raises_the_clients_error_and_caches_nothing(
    secrets: CountingClient,
) -> None:
    source = SecretsManagerApiKey(secrets, "ordermesh/missing")

    with pytest.raises(ClientError) as raised:
        source.api_key()
    with pytest.raises(ClientError):
        source.api_key()

    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert secrets.calls == 2


def test_concurrent_callers_share_one_read(secrets: CountingClient) -> None:
    source = SecretsManagerApiKey(secrets, SECRET)
    barrier = threading.Barrier(8)
    keys: list[str] = []

    def read() -> None:
        barrier.wait()
        keys.append(source.api_key())

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert keys == ["sk_live_first"] * 8
    assert secrets.calls == 1


def test_a_static_key_is_given_or_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAYMENT_PROVIDER_API_KEY", "sk_local")

    assert StaticApiKey("sk_given").api_key() == "sk_given"
    assert StaticApiKey.from_environment("PAYMENT_PROVIDER_API_KEY").api_key() == "sk_local"
    assert StaticApiKey.from_environment("X", {"X": "sk_mapping"}).api_key() == "sk_mapping"


@pytest.mark.parametrize("environ", [{}, {"PAYMENT_PROVIDER_API_KEY": ""}])
def test_a_static_key_must_not_be_missing_or_empty(environ: dict[str, str]) -> None:
    with pytest.raises(ApiKeyError, match="PAYMENT_PROVIDER_API_KEY"):
        StaticApiKey.from_environment("PAYMENT_PROVIDER_API_KEY", environ)
    with pytest.raises(ApiKeyError):
        StaticApiKey("")
