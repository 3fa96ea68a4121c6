"""Events per minute seen lately, by event version, from the bus archive."""

from __future__ import annotations

import json

from ordermesh_platform.event_catalog.rates import recent_rates
from ordermesh_platform.runtime.bus import SCHEMA
from ordermesh_platform.shared.store import Store


def archive(store: Store, received_at: float, version: int, bus: str = "ordermesh") -> None:
    event = {"detail": {"metadata": {"eventVersion": version}}}
    with store.write() as conn:
        conn.execute(
            "INSERT INTO archive (bus, id, time, received_at, source, detail_type, event) "
            "VALUES (?, 'id', ?, ?, 'ordermesh.order', 'OrderPlaced', ?)",
            (bus, received_at, received_at, json.dumps(event)),
        )


def test_the_rate_is_per_version_over_the_last_five_minutes(store: Store) -> None:
    # Given 10 OrderPlaced@2 and 5 OrderPlaced@1 in the last five minutes, one older, one elsewhere
    store.ensure_schema(SCHEMA)
    now = 10_000.0
    for i in range(10):
        archive(store, now - i * 20, version=2)
    for i in range(5):
        archive(store, now - i * 20, version=1)
    archive(store, now - 301, version=2)
    archive(store, now, version=2, bus="another")
    # When the rates are read, then each version has its own, per minute
    rates = recent_rates(store.connection(), "ordermesh", now)
    assert rates == {
        "windowSeconds": 300,
        "events": {"ordermesh.order/OrderPlaced@1": 1.0, "ordermesh.order/OrderPlaced@2": 2.0},
    }
