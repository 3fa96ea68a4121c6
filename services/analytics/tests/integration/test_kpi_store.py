"""The KPI store's promises, checked against every implementation: in memory, SQLite (a file in
a temporary folder) and DynamoDB (moto). Counters added exactly across granularities, a chunk
holding a counted event refused whole, more effects than one DynamoDB transaction holds,
sagas kept and deleted, shard progress that never goes back, a shard's hold kept by retries and
released by the batch done through it, the final watermark's compare and set, and windows read
by range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from analytics_service.adapters.dynamodb import chunks
from analytics_service.adapters.ports import AlreadyCountedError, KpiStore
from analytics_service.domain.windows import (
    Effect,
    Granularity,
    Held,
    SagaMark,
    SagaState,
    ShardState,
    WindowKey,
    sequence_key,
)

T0 = datetime(2026, 12, 5, 23, 58, tzinfo=UTC)
NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def minute(at: datetime) -> WindowKey:
    return WindowKey.containing(Granularity.MINUTE, at)


def placed(event_id: str, at: datetime, amount: str = "0.10") -> Effect:
    counts = (("orders_placed", 1), ("revenue|currency=EUR", Decimal(amount)))
    return Effect(event_id, ((minute(at), counts),))


def only(store: KpiStore, granularity: Granularity, at: datetime) -> dict[str, object]:
    [window] = store.windows(granularity, at, at + granularity.length)
    return dict(window.counters)


def test_effects_add_to_every_granularity_exactly(store: KpiStore) -> None:
    # Given 30 events of 0.10 EUR in 23:58 and 23:59, and one at 00:00 the next day
    effects = [placed(f"e{i}", T0 + timedelta(seconds=4 * i)) for i in range(30)]
    effects.append(placed("late-night", T0 + timedelta(minutes=2)))
    store.apply(effects[:10], NOW)
    store.apply(effects[10:], NOW)
    # Then each minute, five minutes, hour and day holds its sums, amounts exact
    assert only(store, Granularity.MINUTE, T0) == {
        "orders_placed": 15,
        "revenue|currency=EUR": Decimal("1.50"),
    }
    hour = only(store, Granularity.HOUR, T0.replace(minute=0))
    assert hour == {"orders_placed": 30, "revenue|currency=EUR": Decimal("3.00")}
    day = only(store, Granularity.DAY, T0.replace(hour=0, minute=0))
    assert day["orders_placed"] == 30
    next_day = store.windows(Granularity.DAY, T0, T0 + 2 * DAY)
    assert [w.counters["orders_placed"] for w in next_day] == [1]
    minutes = store.windows(Granularity.MINUTE, T0 - DAY, T0 + DAY)
    assert [w.window.start for w in minutes] == [
        T0,
        T0 + timedelta(minutes=1),
        T0 + timedelta(minutes=2),
    ]
    assert store.counted({"e0", "e29", "late-night", "unknown"}) == {"e0", "e29", "late-night"}


def test_a_chunk_with_a_counted_event_is_refused_whole(store: KpiStore) -> None:
    store.apply([placed("a", T0)], NOW)
    with pytest.raises(AlreadyCountedError) as refused:
        store.apply([placed("b", T0), placed("a", T0)], NOW)
    assert refused.value.event_ids == {"a"}
    assert store.counted({"a", "b"}) == {"a"}
    assert only(store, Granularity.MINUTE, T0)["orders_placed"] == 1


def test_more_effects_than_one_transaction_holds_all_count_once(store: KpiStore) -> None:
    # 250 events over 10 minutes: several DynamoDB transactions of at most 100 items
    effects = [
        placed(f"e{i}", T0 - timedelta(minutes=10) + timedelta(seconds=2.4 * i)) for i in range(250)
    ]
    assert len(list(chunks(effects))) >= 3
    assert all(len(c) < 100 for c in chunks(effects))
    store.apply(effects, NOW)
    hour = store.windows(Granularity.HOUR, T0 - DAY, T0 + DAY)
    assert sum(int(w.counters["orders_placed"]) for w in hour) == 250
    assert len(store.counted({e.event_id for e in effects})) == 250


def test_sagas_are_kept_until_both_ends_are_counted(store: KpiStore) -> None:
    started = SagaState("ord_1", started_at=T0)
    store.apply([Effect("p1", ((minute(T0), ()),), "ord_1", started)], NOW)
    assert store.sagas({"ord_1", "ord_2"}) == {"ord_1": started}
    finished = SagaState("ord_2", finished_at=T0, outcome=SagaMark.FAILED)
    store.apply(
        [
            Effect("s1", ((minute(T0), (("sagas_finished", 1),)),), "ord_1", None),
            Effect("f2", ((minute(T0), ()),), "ord_2", finished),
        ],
        NOW,
    )
    assert store.sagas({"ord_1", "ord_2"}) == {"ord_2": finished}


def test_a_shard_s_latest_event_time_and_newest_arrival_never_go_back(store: KpiStore) -> None:
    later = NOW + timedelta(seconds=9)
    store.save_shard(ShardState("s-1", T0, NOW, NOW))
    # a batch retried: older events, older arrivals, processed later
    store.save_shard(ShardState("s-1", T0 - timedelta(minutes=5), later, NOW - DAY))
    store.save_shard(ShardState("s-2", T0 - DAY, NOW, NOW))
    # a batch of events older than the shard's latest, arrived after its newest
    store.save_shard(ShardState("s-2", T0 - 2 * DAY, later, later))
    store.save_shard(ShardState("s-3", T0, NOW, NOW))
    # events newer than the shard's latest, arrived before its newest (a replay)
    store.save_shard(ShardState("s-3", T0 + DAY, later, NOW - DAY))
    assert store.shards() == {
        "s-1": ShardState("s-1", T0, later, NOW),
        "s-2": ShardState("s-2", T0 - DAY, later, later),
        "s-3": ShardState("s-3", T0 + DAY, later, NOW),
    }


def test_a_hold_is_kept_by_retries_and_released_by_the_batch_done_through_it(
    store: KpiStore,
) -> None:
    later, last = NOW + timedelta(seconds=9), NOW + timedelta(seconds=20)
    # a shard never seen holds a batch ending at 99: it is stored with the hold
    store.hold(ShardState("s-1", T0, NOW, NOW, Held(sequence_key("99"), NOW)))
    assert store.shards()["s-1"] == ShardState("s-1", T0, NOW, NOW, Held(sequence_key("99"), NOW))
    # the mapping moved on to a batch ending at 180 (after 99 as numbers, not as text)
    held = Held(sequence_key("180"), later)
    store.hold(ShardState("s-1", T0 + DAY, later, later, held))
    assert store.shards()["s-1"] == ShardState("s-1", T0, NOW, NOW, held)
    # a part of it (bisected) delivered again keeps holding through 180, delivered now
    store.hold(ShardState("s-1", T0, last, last, Held(sequence_key("140"), last)))
    delivered = Held(held.through, last)
    assert store.shards()["s-1"].held == delivered
    # neither a part done with through 140 nor records reported failed release it
    store.save_shard(ShardState("s-1", T0 + DAY, last, last), sequence_key("140"))
    assert store.shards()["s-1"] == ShardState("s-1", T0 + DAY, last, last, delivered)
    store.save_shard(ShardState("s-1", T0, last + DAY, last))
    assert store.shards()["s-1"].held == delivered
    # the batch done with through its last record releases it
    store.save_shard(ShardState("s-1", T0, last + DAY, last), sequence_key("180"))
    assert store.shards()["s-1"] == ShardState("s-1", T0 + DAY, last + DAY, last)


def test_the_final_watermark_moves_by_compare_and_set(store: KpiStore) -> None:
    assert store.final_watermark() is None
    assert store.advance_final(None, T0)
    assert not store.advance_final(None, T0 + DAY)
    assert not store.advance_final(T0 - DAY, T0 + DAY)
    assert store.advance_final(T0, T0 + timedelta(minutes=1))
    assert store.final_watermark() == T0 + timedelta(minutes=1)
