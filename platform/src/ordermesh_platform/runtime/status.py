"""What an operator checks besides the KPIs, read from the local runtime: the dead-letter
queues' depths, the payment provider's circuit breakers, and how far each stream consumer is
behind its stream. ``GET /platform/status`` answers it; ``/dashboard`` polls it.

In AWS the same figures are CloudWatch metrics (``ApproximateNumberOfMessagesVisible`` of each
dead-letter queue, the payment service's breaker metric, ``IteratorAge`` of each event source
mapping); locally they are read where the runtime keeps them. The breakers are the payment
service's ``breakers`` table in its SQLite file, read only, as an operator's console would.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ordermesh_platform.runtime.stream_shards import sequence_position

if TYPE_CHECKING:
    from ordermesh_platform.runtime.runtime import LocalRuntime
    from ordermesh_platform.runtime.stream_consumer import StreamConsumer

PAYMENT_DATABASE = "payment"


@dataclass(frozen=True)
class DeadLetterQueue:
    name: str
    messages: int
    fed_by: tuple[str, ...]


def dead_letter_queues(runtime: LocalRuntime) -> list[DeadLetterQueue]:
    """Every queue that is a dead-letter queue (of a queue or a function) or the on-failure
    destination of a stream consumer, with its depth and what feeds it."""
    queues, functions = runtime.queues, runtime.functions
    fed_by: dict[str, list[str]] = {}
    for name in queues.names():
        if dlq := queues.settings(name).dead_letter_queue:
            fed_by.setdefault(dlq, []).append(name)
    for name in functions.names():
        if dlq := functions.settings(name).dead_letter_queue:
            fed_by.setdefault(dlq, []).append(f"function {name}")
    for consumer in runtime.stream_consumers:
        if failed := consumer.settings.on_failure:
            fed_by.setdefault(failed, []).append(f"stream consumer {consumer.settings.name}")
    found = []
    for name in sorted(fed_by):
        depth = queues.depth(name)
        messages = depth.visible + depth.in_flight + depth.delayed
        found.append(DeadLetterQueue(name, messages, tuple(fed_by[name])))
    return found


def breakers(database: Path) -> list[dict[str, Any]]:
    """The circuit breakers of the payment service's database (none before it made one)."""
    if not database.is_file():
        return []
    conn = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        rows = conn.execute(
            "SELECT name, status, failures, since, trials FROM breakers ORDER BY name"
        ).fetchall()
    except sqlite3.OperationalError:  # no table yet
        return []
    finally:
        conn.close()
    keys = ("name", "status", "failures", "since", "trials")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _shard_lag(runtime: LocalRuntime, consumer: StreamConsumer, shard: str) -> dict[str, Any]:
    """Records of ``shard`` after the consumer's checkpoint, and the age of the oldest of them
    (Kinesis' ``IteratorAge``: 0 when the consumer has caught up)."""
    checkpoint = consumer.checkpoint(shard)
    after = 0 if checkpoint is None else sequence_position(checkpoint)
    row = (
        runtime.store.connection()
        .execute(
            "SELECT COUNT(*), MIN(arrived_at) FROM stream_records "
            "WHERE stream = ? AND shard = ? AND position > ?",
            (consumer.settings.stream, int(shard.rsplit("-", 1)[-1]), after),
        )
        .fetchone()
    )
    behind, oldest = int(row[0]), row[1]
    age = 0 if oldest is None else max(0, round((runtime.clock.now() - oldest) * 1000))
    return {"shard": shard, "recordsBehind": behind, "millisBehindLatest": age}


def consumer_lag(runtime: LocalRuntime) -> list[dict[str, Any]]:
    found = []
    for consumer in runtime.stream_consumers:
        shards = [_shard_lag(runtime, consumer, shard) for shard in consumer.shard_ids]
        found.append(
            {
                "name": consumer.settings.name,
                "stream": consumer.settings.stream,
                "recordsBehind": sum(s["recordsBehind"] for s in shards),
                "millisBehindLatest": max((s["millisBehindLatest"] for s in shards), default=0),
                "shards": shards,
            }
        )
    return found


def status(runtime: LocalRuntime) -> dict[str, Any]:
    """``GET /platform/status``."""
    try:
        found_breakers = breakers(runtime.environment.database(PAYMENT_DATABASE))
    except sqlite3.Error:  # the payment database busy past the timeout: none this time
        found_breakers = []
    return {
        "at": datetime.fromtimestamp(runtime.clock.now(), UTC).isoformat().replace("+00:00", "Z"),
        "deadLetterQueues": [
            {"name": q.name, "messages": q.messages, "fedBy": list(q.fed_by)}
            for q in dead_letter_queues(runtime)
        ],
        "breakers": found_breakers,
        "consumers": consumer_lag(runtime),
    }
