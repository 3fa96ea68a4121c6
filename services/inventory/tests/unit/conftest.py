"""Fixtures: an in-memory store with a small seeded catalog, a unit of work and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from inventory_service.adapters.memory import FakeClock, InMemoryStore, InMemoryUnitOfWork
from inventory_service.domain.catalog import CatalogEntry
from inventory_service.service_layer.stock import seed_catalog

NOW = datetime(2026, 11, 20, 9, 14, 3, tzinfo=UTC)

CATALOG = (
    CatalogEntry("MUG-BLUE-350", on_hand=10, threshold=3, warehouse="DUB-1"),
    CatalogEntry("TEA-EARLGREY-100G", on_hand=5, threshold=2, warehouse="DUB-1"),
    CatalogEntry("KETTLE-STEEL-1L", on_hand=1, threshold=0, warehouse="DUB-1"),
)


@pytest.fixture
def store() -> InMemoryStore:
    store = InMemoryStore()
    seed_catalog(CATALOG, InMemoryUnitOfWork(store))
    return store


@pytest.fixture
def uow(store: InMemoryStore) -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(store)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)
