"""The payment service's composition root: the only place that chooses adapters.

In AWS: the DynamoDB table named by ``PAYMENTS_TABLE`` (payments and the circuit breaker's
shared state), the one named by ``IDEMPOTENCY_TABLE`` (commands handled once per event), the
provider at ``PROVIDER_URL`` with its API key from Secrets Manager
(``PROVIDER_SECRET_ID``), EventBridge through boto3. Inside the local runtime: the SQLite file
in the runtime's state folder, the provider simulator the runtime serves and the runtime's bus.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import urllib3
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from ordermesh_contracts import environment
from ordermesh_contracts.bus import Boto3EventBus
from ordermesh_contracts.idempotency import SqlitePersistenceLayer
from ordermesh_contracts.publishing import Publisher
from pydantic import BaseModel

from payment_service.adapters.clock import SystemClock
from payment_service.adapters.http_provider import HttpPaymentProvider
from payment_service.adapters.ports import BreakerStateStore, PaymentProvider, PaymentRepository
from payment_service.adapters.secrets import ApiKeySource, SecretsManagerApiKey, StaticApiKey
from payment_service.adapters.sqlite import (
    SqliteBreakerStateStore,
    SqliteDatabase,
    SqlitePaymentRepository,
)
from payment_service.domain.breaker import BreakerPolicy
from payment_service.domain.retry import RetryPolicy
from payment_service.service_layer.breaker import CircuitBreaker
from payment_service.service_layer.resilience import Resilience

SOURCE = "ordermesh.payment"


class Settings(BaseModel):
    event_bus_name: str
    provider_url: str
    provider_timeout: float = 5.0
    provider_api_key: str | None = None  # local: the simulator's key
    provider_secret_id: str | None = None  # AWS
    payments_table: str | None = None  # AWS
    idempotency_table: str | None = None  # AWS
    database: Path | None = None  # local
    breaker_failure_threshold: int = 5
    breaker_recovery_seconds: float = 30.0


def settings() -> Settings:
    local = environment.current()
    if local is not None:
        return Settings(
            event_bus_name=local.settings["EVENT_BUS_NAME"],
            provider_url=local.settings["PROVIDER_URL"],
            provider_api_key=local.settings["PROVIDER_API_KEY"],
            provider_timeout=float(local.settings.get("PROVIDER_TIMEOUT", "2.0")),
            breaker_recovery_seconds=float(local.settings.get("BREAKER_RECOVERY_SECONDS", "5")),
            database=local.database("payment"),
        )
    return Settings(
        event_bus_name=os.environ["EVENT_BUS_NAME"],
        provider_url=os.environ["PROVIDER_URL"],
        provider_secret_id=os.environ["PROVIDER_SECRET_ID"],
        payments_table=os.environ["PAYMENTS_TABLE"],
        idempotency_table=os.environ["IDEMPOTENCY_TABLE"],
    )


@dataclass(frozen=True)
class Container:
    payments: PaymentRepository
    provider: PaymentProvider
    resilience: Resilience
    publisher: Publisher
    idempotency: BasePersistenceLayer


def _storage(
    config: Settings,
) -> tuple[PaymentRepository, BreakerStateStore, BasePersistenceLayer]:
    if config.database is not None:
        db = SqliteDatabase(config.database)
        return (
            SqlitePaymentRepository(db),
            SqliteBreakerStateStore(db),
            SqlitePersistenceLayer(config.database),
        )
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from payment_service.adapters.dynamodb import (
        DynamoDbBreakerStateStore,
        DynamoDbPaymentRepository,
    )

    client = environment.aws_client("dynamodb")
    table = str(config.payments_table)
    return (
        DynamoDbPaymentRepository(client, table),
        DynamoDbBreakerStateStore(client, table),
        DynamoDBPersistenceLayer(str(config.idempotency_table), boto3_client=client),
    )


def _provider(config: Settings) -> HttpPaymentProvider:
    key: ApiKeySource
    if config.provider_api_key is not None:
        key = StaticApiKey(config.provider_api_key)
    else:
        key = SecretsManagerApiKey(
            environment.aws_client("secretsmanager"), str(config.provider_secret_id)
        )
    pool = urllib3.PoolManager(maxsize=16, retries=False)
    return HttpPaymentProvider(config.provider_url, key.api_key, config.provider_timeout, pool)


def build(config: Settings) -> Container:
    payments, breaker_store, idempotency = _storage(config)
    policy = BreakerPolicy(
        failure_threshold=config.breaker_failure_threshold,
        recovery_timeout=timedelta(seconds=config.breaker_recovery_seconds),
    )
    breaker = CircuitBreaker(breaker_store, SystemClock(), policy)
    resilience = Resilience(breaker, random.Random(), RetryPolicy())  # noqa: S311 - jitter
    publisher = Publisher(
        source=SOURCE,
        event_bus_name=config.event_bus_name,
        bus=Boto3EventBus(environment.aws_client("events")),
    )
    return Container(payments, _provider(config), resilience, publisher, idempotency)


container = environment.per_environment(lambda: build(settings()))
