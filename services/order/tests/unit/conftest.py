"""Fakes for the order use cases: a shared in-memory database, a fixed clock, counting ids."""

from __future__ import annotations

import pytest
from order_service.adapters.memory import (
    CountingIds,
    FixedClock,
    MemoryDatabase,
    MemoryUnitOfWork,
    SetCatalog,
)
from order_service.domain.order import Address, LineRequest
from order_service.service_layer.commands import PlaceOrder
from order_service.service_layer.orders import Ports

SKUS = {"MUG-BLUE-350", "TEA-EARLGREY-100G", "KETTLE-STEEL-1L"}
LISBON = Address("Ana Ferreira", "Rua Augusta 27", "Lisboa", "1100-048", "PT")


@pytest.fixture
def db() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def ports(db: MemoryDatabase) -> Ports:
    return Ports(MemoryUnitOfWork(db), SetCatalog(SKUS), FixedClock(), CountingIds())


def place(key: str | None = None, **changes: object) -> PlaceOrder:
    """A two-line EUR order (32.90 in all), with ``changes`` applied."""
    fields: dict[str, object] = {
        "customer_id": "cus_8H2KQ1",
        "currency": "EUR",
        "lines": (
            LineRequest("MUG-BLUE-350", 2, "12.50", "EUR"),
            LineRequest("TEA-EARLGREY-100G", 1, "7.90", "EUR"),
        ),
        "shipping_address": LISBON,
        "request_id": "req-1",
        "idempotency_key": key,
    }
    fields.update(changes)
    return PlaceOrder(**fields)  # type: ignore[arg-type]
