"""The in-memory unit of work honours the port's contract: atomic, version-checked commits."""

from __future__ import annotations

from dataclasses import replace

import pytest
from inventory_service.adapters.memory import InMemoryStore, InMemoryUnitOfWork
from inventory_service.adapters.ports import ConcurrencyConflictError
from inventory_service.domain.stock import StockItem


def test_commit_bumps_versions(store: InMemoryStore) -> None:
    uow = InMemoryUnitOfWork(store)
    version = store.stock["MUG-BLUE-350"].version
    with uow:
        item = uow.get_stock("MUG-BLUE-350")
        assert item is not None
        uow.save_stock(item.reserve(1))
        uow.commit()
    assert store.stock["MUG-BLUE-350"].version == version + 1


def test_a_stale_commit_writes_nothing(store: InMemoryStore) -> None:
    # Given two units of work that read MUG and TEA
    first, second = InMemoryUnitOfWork(store), InMemoryUnitOfWork(store)
    with first, second:
        mug_a, tea_a = first.get_stock("MUG-BLUE-350"), first.get_stock("TEA-EARLGREY-100G")
        mug_b = second.get_stock("MUG-BLUE-350")
        assert mug_a is not None
        assert tea_a is not None
        assert mug_b is not None
        # When the second commits a change to MUG first
        second.save_stock(mug_b.reserve(1))
        second.commit()
        # Then the first, changing MUG and TEA, conflicts and changes neither
        first.save_stock(mug_a.reserve(2))
        first.save_stock(tea_a.reserve(2))
        with pytest.raises(ConcurrencyConflictError, match="MUG-BLUE-350"):
            first.commit()
    assert store.stock["MUG-BLUE-350"].reserved == 1
    assert store.stock["TEA-EARLGREY-100G"].reserved == 0


def test_an_item_only_read_is_checked_too(store: InMemoryStore) -> None:
    uow = InMemoryUnitOfWork(store)
    with uow:
        assert uow.get_stock("CANDLE-SOY-200G") is None
        tea = uow.get_stock("TEA-EARLGREY-100G")
        assert tea is not None
        # Meanwhile the SKU read as absent is created
        store.stock["CANDLE-SOY-200G"] = StockItem("CANDLE-SOY-200G", 1, 0, 0, "DUB-1", 1)
        uow.save_stock(tea.reserve(1))
        with pytest.raises(ConcurrencyConflictError):
            uow.commit()
    assert store.stock["TEA-EARLGREY-100G"].reserved == 0


def test_leaving_without_commit_discards_changes(store: InMemoryStore) -> None:
    uow = InMemoryUnitOfWork(store)
    with uow:
        item = uow.get_stock("MUG-BLUE-350")
        assert item is not None
        uow.save_stock(replace(item, on_hand=0))
        assert uow.get_stock("MUG-BLUE-350") == replace(item, on_hand=0)
    assert store.stock["MUG-BLUE-350"].on_hand == 10
