"""The cap on a dimension's distinct values per window, against every store (in memory, SQLite,
DynamoDB on moto): values beyond it counted under ``__other__`` with totals exact, decided alike
whether a store writes a batch at once or in chunks, a value held keeping its name, counted
once however often delivered; and in DynamoDB, a value admitted by another writer between the
read and the write, and a window item at its worst under 400 KB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from analytics_service.adapters.dynamodb import DynamoDbKpiStore, create_table
from analytics_service.adapters.dynamodb_windows import (
    COUNTER,
    DIMENSIONS,
    HELD,
    MAX_ITEM_BYTES,
    MAX_VALUES_ALLOWED,
    item_bytes,
    window_key,
    worst_item_bytes,
)
from analytics_service.adapters.memory import InMemoryKpiStore
from analytics_service.adapters.ports import AlreadyCountedError, KpiStore
from analytics_service.domain.windows import (
    DEFAULT_MAX_VALUES,
    OTHER,
    Effect,
    Granularity,
    SagaMark,
    WindowKey,
    WindowKpis,
    sketch,
)
from analytics_service.domain.windows.cap import MAX_VALUE_BYTES, prefix

T0 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
MINUTE = WindowKey.containing(Granularity.MINUTE, T0)


def effect(event_id: str, *counts: tuple[str, int]) -> Effect:
    return Effect(event_id, ((MINUTE, counts),))


def declined(event_id: str, code: str) -> Effect:
    return effect(event_id, ("payments_declined", 1), (f"payments_declined|code={code}", 1))


def windows(store: KpiStore) -> list[WindowKpis]:
    found = [store.windows(g, T0 - timedelta(days=1), T0 + timedelta(days=1)) for g in Granularity]
    assert all(len(w) == 1 for w in found)
    return [w[0] for w in found]


def test_values_beyond_the_cap_count_under_other_and_totals_stay_exact(store: KpiStore) -> None:
    # Given 250 declines with codes never seen, arriving in reverse order of their names
    codes = [f"CODE_{i:03d}" for i in reversed(range(250))]
    # When they are counted (DynamoDB: in several transactions; SQLite: in one)
    store.apply([declined(f"e{i}", code) for i, code in enumerate(codes)], NOW)
    for window in windows(store):
        # Then the first 100 to arrive keep their names, the others count under __other__
        by_code = window.by("payments_declined", "code")
        assert set(by_code) == {*codes[:DEFAULT_MAX_VALUES], OTHER}
        assert by_code[OTHER] == 250 - DEFAULT_MAX_VALUES
        assert sum(by_code.values()) == window.count("payments_declined") == 250
        assert window.values_overflowed() == {"payments_declined.code": 150}
        assert window.kpis()["values_overflowed"] == {"payments_declined.code": 150}


def test_a_value_held_keeps_its_name_and_an_event_counts_once(store: KpiStore) -> None:
    # Given a window holding as many codes as the cap allows
    store.apply([declined(f"e{i}", f"CODE_{i:03d}") for i in range(DEFAULT_MAX_VALUES)], NOW)
    # When a held code and a new one come, the second delivered twice
    store.apply([declined("held", "CODE_007"), declined("new", "NEW")], NOW)
    with pytest.raises(AlreadyCountedError):
        store.apply([declined("new", "NEW")], NOW)
    # Then the held code counts under its name, the new one under __other__, each once
    for window in windows(store):
        by_code = window.by("payments_declined", "code")
        assert by_code["CODE_007"] == 2
        assert by_code[OTHER] == 1
        assert "NEW" not in by_code
        assert window.values_overflowed() == {"payments_declined.code": 1}
    # and a dimension with room still admits new values (the cap is per dimension)
    store.apply([effect("w", ("stock_low", 1), ("stock_low|warehouse=DUB-1", 1))], NOW)
    assert windows(store)[0].by("stock_low", "warehouse") == {"DUB-1": 1}


def test_a_value_too_long_or_holding_a_separator_counts_under_other(store: KpiStore) -> None:
    long = "W" * (MAX_VALUE_BYTES + 1)
    store.apply(
        [
            effect("a", ("stock_low|warehouse=" + long, 1)),
            effect("b", ("stock_low|warehouse=DUB;1", 1)),
            effect("c", ("stock_low|warehouse=DUB-1", 1)),
        ],
        NOW,
    )
    [window, *_] = windows(store)
    assert window.by("stock_low", "warehouse") == {"DUB-1": 1, OTHER: 2}
    assert window.values_overflowed() == {"stock_low.warehouse": 2}


def test_a_value_admitted_by_another_writer_meanwhile_is_decided_again(aws: str) -> None:
    client = boto3.client("dynamodb", region_name=aws)
    create_table(client, "kpis")
    ours, theirs = (DynamoDbKpiStore(client, "kpis", max_values=2) for _ in range(2))
    # Given a window holding one code of two allowed
    ours.apply([declined("a", "A")], NOW)
    # and another consumer admitting C after we read the window, before we write
    raced: list[bool] = []

    def race(**_: Any) -> None:
        if not raced:
            raced.append(True)
            theirs.apply([declined("c", "C")], NOW)

    client.meta.events.register("before-call.dynamodb.TransactWriteItems", race)
    # When we count B (the window had room when read)
    ours.apply([declined("b", "B")], NOW)
    # Then B is decided again and counts under __other__: the window never holds more than two
    for window in windows(ours):
        assert window.by("payments_declined", "code") == {"A": 1, "C": 1, OTHER: 1}
        assert window.count("payments_declined") == 3


def _worst_case() -> list[Effect]:
    """Every dimension full of the longest values and more; every sketch bucket, overall and
    per outcome; every counter without a dimension."""
    effects = []
    for dimension in DIMENSIONS:
        for i in range(MAX_VALUES_ALLOWED + 1):
            value = f"{i:04d}".rjust(MAX_VALUE_BYTES, "x")
            effects.append(effect(f"{dimension}-{i}", (prefix(dimension) + value, 10**37)))
    buckets = [sketch.ZERO_BUCKET, *range(1, sketch.MAX_BUCKETS)]
    outcomes = [m.value for m in SagaMark if m is not SagaMark.STARTED]
    for index in buckets:
        counts = [(f"saga_duration_ms|bucket={index}", 1)]
        counts += [(f"saga_duration_ms|outcome={o};bucket={index}", 1) for o in outcomes]
        effects.append(effect(f"bucket-{index}", *counts))
    return effects


def test_a_window_item_at_its_worst_stays_under_400_kb() -> None:
    # Given the largest cap allowed, when a window is filled as far as it can be (the cap's
    # decision is the stores' one; in memory, as filling DynamoDB on moto takes minutes)
    store = InMemoryKpiStore(max_values=MAX_VALUES_ALLOWED)
    store.apply(_worst_case(), NOW)
    [window, *_] = windows(store)
    # Then every dimension holds the cap's values and __other__
    for dimension in DIMENSIONS:
        metric, _, key = dimension.partition(".")
        assert len(window.by(metric, key)) == MAX_VALUES_ALLOWED + 1
    # and the DynamoDB item holding it is within its computed bound, under DynamoDB's limit
    item = {**window_key(MINUTE), **{HELD + d: {"N": "150"} for d in DIMENSIONS}}
    item |= {COUNTER + name: {"N": str(value)} for name, value in window.counters.items()}
    assert item_bytes(item) <= worst_item_bytes(MAX_VALUES_ALLOWED) < MAX_ITEM_BYTES
    assert item_bytes(item) > 0.9 * worst_item_bytes(MAX_VALUES_ALLOWED)
