"""The DynamoDB adapter within DynamoDB's limits (moto does not enforce them, so the requests the
adapter sends are measured): a window with many dimension values is updated by expressions of
at most 4 KB and ``MAX_COUNTERS_PER_UPDATE`` terms, each event still counted once with its
counters and its record in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from analytics_service.adapters.dynamodb import (
    MAX_COUNTERS_PER_UPDATE,
    DynamoDbKpiStore,
    chunks,
    create_table,
)
from analytics_service.adapters.dynamodb_windows import MAX_VALUES_ALLOWED
from analytics_service.domain.windows import OTHER, Effect, Granularity, WindowKey

MAX_EXPRESSION_BYTES = 4096  # DynamoDB's limit on any expression
T0 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


def declined(n: int) -> Effect:
    """An event counted under six dimension values of its own (decline codes, say)."""
    minute = WindowKey.containing(Granularity.MINUTE, T0 + timedelta(milliseconds=n))
    counts = tuple((f"payments_declined|code=CODE_{n}_{k}", 1) for k in range(6))
    return Effect(f"e{n}", ((minute, (("payments_declined", 1), *counts)),))


def test_a_window_with_many_dimension_values_is_updated_by_expressions_within_4_kb(
    aws: str,
) -> None:
    client = boto3.client("dynamodb", region_name=aws)
    create_table(client, "kpis")
    sent: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sent.extend(params["TransactItems"])

    client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", record)
    store = DynamoDbKpiStore(client, "kpis", max_values=MAX_VALUES_ALLOWED)
    # Given 90 events of one minute with 540 distinct decline codes: one transaction's worth of
    # items, but an ADD of them all would be about 7 KB
    effects = [declined(n) for n in range(90)]
    # When they are counted
    store.apply(effects, NOW)
    # Then every update expression is within the limit, and every counter is counted
    updates = [i["Update"] for i in sent if "Update" in i]
    assert len(updates) > 4  # the windows' counters were split over transactions
    for update in updates:
        assert len(update["UpdateExpression"].encode()) <= MAX_EXPRESSION_BYTES
        assert len(update["ExpressionAttributeNames"]) <= MAX_COUNTERS_PER_UPDATE
    for granularity in Granularity:
        [window] = store.windows(granularity, T0 - timedelta(days=1), T0 + timedelta(days=1))
        assert window.counters["payments_declined"] == 90
        codes = window.by("payments_declined", "code")
        assert len(codes) == MAX_VALUES_ALLOWED + 1  # and OTHER
        assert sum(codes.values()) == 90 * 6
        assert codes[OTHER] == 90 * 6 - MAX_VALUES_ALLOWED
    assert len(store.counted({e.event_id for e in effects})) == 90


def test_an_event_s_counters_and_its_record_stay_in_one_chunk() -> None:
    effects = [declined(n) for n in range(90)]
    parts = list(chunks(effects))
    assert len(parts) > 1
    assert [e for part in parts for e in part] == effects
