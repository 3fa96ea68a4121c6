"""The KPI store in DynamoDB: one table, counters added with ``ADD`` in transactions.

=================  ==================================  ================  =====================
item               pk                                  sk                other attributes
=================  ==================================  ================  =====================
window             ``WINDOW#<granularity>#<period>``   window start      ``c:<counter>`` (N)
counted event      ``EVENT#<event id>``                ``EVENT``         ``expires_at`` (TTL)
saga               ``SAGA#<correlation id>``           ``SAGA``          ``started_at``,
                                                                         ``finished_at``,
                                                                         ``outcome``,
                                                                         ``expires_at`` (TTL)
shard              ``SHARD``                           shard id          ``latest``, ``seen_at``,
                                                                         ``arrived``,
                                                                         ``held_through``,
                                                                         ``held_since``
final watermark    ``FINAL``                           ``FINAL``         ``watermark``
=================  ==================================  ================  =====================

A window's period is its day (``2026-11-21``; its month for day windows), so one partition
holds a day of a granularity's windows and a range is a ``Query`` per period; the sort key is
the window's start (ISO 8601, UTC, fixed width). Times are whole microseconds since the epoch.

``apply`` sends a batch's effects as few ``TransactWriteItems`` as the 100-item limit and
``MAX_COUNTERS_PER_UPDATE`` (a window's update expression within DynamoDB's limits) allow:
each holds a ``Put`` of every one of its events' records, conditional on
``attribute_not_exists(pk)``, one ``Update`` per window adding the chunk's counters (``ADD``,
exact decimal arithmetic) and the chunk's saga writes. A transaction is all or nothing, so a
counter never moves without its events' records; a cancelled one whose reasons name failed
conditions on event records raises ``AlreadyCountedError`` with those ids, and the caller
applies the rest again. Chunks committed before a failure stay, and their events are then
known as counted: applying the batch again counts every event once. A chunk's window items are
read first and the cap on a dimension's values decided from them; an update admitting values is
conditional on what was read, and a chunk refused for that is decided again
(``dynamodb_windows``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from analytics_service.adapters.dynamodb_scoring import DynamoDbScoring
from analytics_service.adapters.dynamodb_windows import (
    COUNTER,
    HeldInItems,
    Item,
    iso,
    number,
    update,
    window_pk,
)
from analytics_service.adapters.ports import (
    COUNTED_RETENTION,
    SAGA_RETENTION,
    AlreadyCountedError,
    KpiStore,
    from_micros,
    micros,
)
from analytics_service.domain.windows import (
    DEFAULT_MAX_VALUES,
    Counters,
    Effect,
    Granularity,
    Held,
    SagaMark,
    SagaState,
    ShardState,
    WindowKey,
    WindowKpis,
    capped,
    rolled_up,
)
from analytics_service.domain.windows.cap import dimension_of

TABLE: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ],
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
}
TTL_ATTRIBUTE = "expires_at"
MAX_TRANSACTION_ITEMS = 100
# Counters added by one window's update. DynamoDB limits an expression to 4 KB and an update
# expression to 300 operators; 100 ADD terms (``#c99 :c99, ``) are about 1.2 KB, within both
# whatever DynamoDB counts as an operator (moto's expression parser fails from about 150).
MAX_COUNTERS_PER_UPDATE = 100
MAX_BATCH_GET = 100
_CONDITION_FAILED = "ConditionalCheckFailed"


def create_table(client: Any, name: str) -> None:
    """Create the service's table (``TABLE``) with its time to live, and wait until active."""
    client.create_table(TableName=name, **TABLE)
    client.get_waiter("table_exists").wait(TableName=name)
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )


def _n(value: int | Decimal) -> dict[str, str]:
    return number(value)


@dataclass
class _Chunk:
    """Effects that fit in one transaction: their events, the counters of each window they add
    to, and their sagas."""

    effects: list[Effect] = field(default_factory=list)
    windows: dict[WindowKey, set[str]] = field(default_factory=dict)
    sagas: set[str] = field(default_factory=set)

    def fits(self, effect: Effect, limit: int) -> bool:
        """Whether the chunk with ``effect`` still has at most ``limit`` items and every
        window's update at most ``MAX_COUNTERS_PER_UPDATE`` counters."""
        windows = _counters(effect)
        sagas = {effect.saga_id} - self.sagas - {None}
        items = len(self.effects) + 1 + len(self.windows.keys() | windows.keys())
        if items + len(self.sagas) + len(sagas) > limit:
            return False
        return all(
            len(self.windows.get(w, set()) | names) <= MAX_COUNTERS_PER_UPDATE
            for w, names in windows.items()
        )

    def add(self, effect: Effect) -> None:
        self.effects.append(effect)
        for window, names in _counters(effect).items():
            self.windows.setdefault(window, set()).update(names)
        if effect.saga_id is not None:
            self.sagas.add(effect.saga_id)


def _counters(effect: Effect) -> dict[WindowKey, set[str]]:
    """The terms ``effect`` adds to the update of each window it adds to (every granularity):
    its counters, and for each capped dimension two more (the ``SET`` of its count and its
    overflow counter; values beyond the cap only merge into one)."""
    found: dict[WindowKey, set[str]] = {}
    for minute, counts in effect.counts:
        names = {name for name, _ in counts}
        for dimension in {d[0] for d in map(dimension_of, names) if d is not None}:
            names.update((f"v:{dimension}", f"o:{dimension}"))
        for window in minute.rollups() if counts else ():
            found.setdefault(window, set()).update(names)
    return found


def chunks(effects: Sequence[Effect], limit: int = MAX_TRANSACTION_ITEMS) -> Iterator[list[Effect]]:
    """``effects`` in order, in chunks that each fit in one transaction (``_Chunk.fits``). An
    event's counters and its record stay in one chunk: that is what counts it once."""
    chunk = _Chunk()
    for effect in effects:
        if chunk.effects and not chunk.fits(effect, limit):
            yield chunk.effects
            chunk = _Chunk()
        chunk.add(effect)
    if chunk.effects:
        yield chunk.effects


class DynamoDbKpiStore(DynamoDbScoring, KpiStore):
    def __init__(
        self, client: Any, table_name: str, *, max_values: int = DEFAULT_MAX_VALUES
    ) -> None:
        self._client = client
        self._name = table_name
        self._max_values = max_values

    # --- counting -----------------------------------------------------------------------------
    def counted(self, event_ids: Collection[str]) -> set[str]:
        keys = [(f"EVENT#{i}", "EVENT") for i in event_ids]
        return {item["pk"]["S"].removeprefix("EVENT#") for item in self._get_many(keys)}

    def apply(self, effects: Sequence[Effect], now: datetime) -> None:
        for chunk in chunks(effects):
            self._transact(chunk, now)

    def _transact(self, effects: list[Effect], now: datetime) -> None:
        """Count one chunk, deciding the cap from its windows' items as they are; again while
        a value was admitted to one of them meanwhile (see ``dynamodb_windows``)."""
        while not self._try(effects, now):
            pass

    def _try(self, effects: list[Effect], now: datetime) -> bool:
        """Count one chunk; False when a window's update found values admitted meanwhile."""
        keys = {(window_pk(w), iso(w.start)): w for w in rolled_up(effects)}
        held = {keys[i["pk"]["S"], i["sk"]["S"]]: i for i in self._get_many(list(keys))}
        added = capped(effects, HeldInItems(held), self._max_values)
        expires = _n(int((now + COUNTED_RETENTION).timestamp()))
        items: list[Item] = [
            {
                "Put": {
                    "TableName": self._name,
                    "Item": {
                        "pk": {"S": f"EVENT#{e.event_id}"},
                        "sk": {"S": "EVENT"},
                        TTL_ATTRIBUTE: expires,
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for e in effects
        ]
        items += [update(self._name, key, a, held.get(key)) for key, a in added.items()]
        items += self._saga_writes(effects, now)
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or []
            failed = {
                effects[i].event_id
                for i, reason in enumerate(reasons[: len(effects)])
                if reason.get("Code") == _CONDITION_FAILED
            }
            if failed:
                raise AlreadyCountedError(failed) from error
            windows = reasons[len(effects) : len(effects) + len(added)]
            if any(reason.get("Code") == _CONDITION_FAILED for reason in windows):
                return False
            raise
        return True

    def _saga_writes(self, effects: Sequence[Effect], now: datetime) -> list[Item]:
        last: dict[str, SagaState | None] = {}
        for effect in effects:
            if effect.saga_id is not None:
                last[effect.saga_id] = effect.saga_write
        writes: list[Item] = []
        for saga_id, state in last.items():
            key = {"pk": {"S": f"SAGA#{saga_id}"}, "sk": {"S": "SAGA"}}
            if state is None:
                writes.append({"Delete": {"TableName": self._name, "Key": key}})
                continue
            item: Item = {**key, TTL_ATTRIBUTE: _n(int((now + SAGA_RETENTION).timestamp()))}
            if state.started_at is not None:
                item["started_at"] = _n(micros(state.started_at))
            if state.finished_at is not None:
                item["finished_at"] = _n(micros(state.finished_at))
            if state.outcome is not None:
                item["outcome"] = {"S": state.outcome.value}
            writes.append({"Put": {"TableName": self._name, "Item": item}})
        return writes

    def sagas(self, correlation_ids: Collection[str]) -> dict[str, SagaState]:
        found: dict[str, SagaState] = {}
        for item in self._get_many([(f"SAGA#{c}", "SAGA") for c in correlation_ids]):
            cid = item["pk"]["S"].removeprefix("SAGA#")
            found[cid] = SagaState(
                cid,
                _time(item.get("started_at")),
                _time(item.get("finished_at")),
                SagaMark(item["outcome"]["S"]) if "outcome" in item else None,
            )
        return found

    def _get_many(self, keys: Sequence[tuple[str, str]]) -> list[Item]:
        found: list[Item] = []
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), MAX_BATCH_GET):
            request: Mapping[str, Any] = {
                self._name: {
                    "Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in unique[i : i + 100]],
                    "ConsistentRead": True,
                }
            }
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                found += answer.get("Responses", {}).get(self._name, [])
                request = answer.get("UnprocessedKeys") or {}
        return found

    # --- progress -----------------------------------------------------------------------------
    def shards(self) -> dict[str, ShardState]:
        found: dict[str, ShardState] = {}
        for item in self._query("SHARD"):
            shard, seen = item["sk"]["S"], from_micros(int(item["seen_at"]["N"]))
            # an item written before ``arrived`` was kept: its last batch is taken as arrived then
            arrived = _time(item.get("arrived")) or seen
            held = None
            if "held_through" in item:
                held = Held(item["held_through"]["S"], from_micros(int(item["held_since"]["N"])))
            latest = from_micros(int(item["latest"]["N"]))
            found[shard] = ShardState(shard, latest, seen, arrived, held)
        return found

    def save_shard(self, state: ShardState, done: str | None = None) -> None:
        """Set ``seen_at``; raise ``latest`` and ``arrived``, each only if higher; release a hold
        through at most ``done``: one write when all hold (the usual batch), else one per
        attribute, after giving an item written before ``arrived`` was kept its ``seen_at`` as
        ``arrived`` (as ``shards`` reads it)."""
        shard = state.shard_id
        latest, seen, arrived = (
            _n(micros(t)) for t in (state.latest, state.seen_at, state.arrived)
        )
        raise_latest = "(attribute_not_exists(latest) OR latest < :l)"
        raise_arrived = "(attribute_not_exists(seen_at) OR arrived < :a)"  # new item, or higher
        update = "SET latest = :l, seen_at = :s, arrived = :a"
        values = {":l": latest, ":s": seen, ":a": arrived}
        condition = f"{raise_latest} AND {raise_arrived}"
        if done is not None:
            update += " REMOVE held_through, held_since"
            condition += " AND (attribute_not_exists(held_through) OR held_through <= :d)"
            values[":d"] = {"S": done}
        if self._update_shard(shard, update, condition, values):
            return
        migrate = "attribute_exists(seen_at) AND attribute_not_exists(arrived)"
        self._update_shard(shard, "SET arrived = seen_at", migrate, {})
        self._update_shard(shard, "SET seen_at = :s", None, {":s": seen})
        self._update_shard(shard, "SET latest = :l", raise_latest, {":l": latest})
        self._update_shard(shard, "SET arrived = :a", raise_arrived, {":a": arrived})
        if done is not None:
            release = {":d": {"S": done}}
            self._update_shard(
                shard, "REMOVE held_through, held_since", "held_through <= :d", release
            )

    def hold(self, state: ShardState) -> None:
        held = state.held
        if held is None:
            raise ValueError("a hold is a shard state with held")
        values = {
            ":t": {"S": held.through},
            ":h": _n(micros(held.since)),
            ":l": _n(micros(state.latest)),
            ":s": _n(micros(state.seen_at)),
            ":a": _n(micros(state.arrived)),
        }
        if not self._update_shard(
            state.shard_id,
            "SET held_through = :t, held_since = :h, latest = if_not_exists(latest, :l), "
            "seen_at = if_not_exists(seen_at, :s), arrived = if_not_exists(arrived, :a)",
            "attribute_not_exists(held_through) OR held_through <= :t",
            values,
        ):  # held through further already (a part of a bisected batch): delivered again now
            self._update_shard(state.shard_id, "SET held_since = :h", None, {":h": values[":h"]})

    def _update_shard(
        self, shard_id: str, update: str, condition: str | None, values: Mapping[str, Any]
    ) -> bool:
        """Update the shard's item; whether it was (False: ``condition`` did not hold)."""
        arguments: dict[str, Any] = {
            "TableName": self._name,
            "Key": {"pk": {"S": "SHARD"}, "sk": {"S": shard_id}},
            "UpdateExpression": update,
        }
        if values:
            arguments["ExpressionAttributeValues"] = values
        if condition is not None:
            arguments["ConditionExpression"] = condition
        try:
            self._client.update_item(**arguments)
        except ClientError as error:
            if error.response["Error"]["Code"] != _CONDITION_FAILED + "Exception":
                raise
            return False
        return True

    def final_watermark(self) -> datetime | None:
        answer = self._client.get_item(
            TableName=self._name,
            Key={"pk": {"S": "FINAL"}, "sk": {"S": "FINAL"}},
            ConsistentRead=True,
        )
        return _time(answer.get("Item", {}).get("watermark"))

    def advance_final(self, before: datetime | None, after: datetime) -> bool:
        values = {":a": _n(micros(after))}
        condition = "attribute_not_exists(watermark)"
        if before is not None:
            condition = "watermark = :b"
            values[":b"] = _n(micros(before))
        try:
            self._client.update_item(
                TableName=self._name,
                Key={"pk": {"S": "FINAL"}, "sk": {"S": "FINAL"}},
                UpdateExpression="SET watermark = :a",
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == _CONDITION_FAILED + "Exception":
                return False
            raise
        return True

    # --- reading ------------------------------------------------------------------------------
    def windows(self, granularity: Granularity, start: datetime, end: datetime) -> list[WindowKpis]:
        found: list[WindowKpis] = []
        periods = sorted({window_pk(WindowKey(granularity, d)) for d in _days(start, end)})
        for pk in periods:
            for item in self._query(pk, (iso(start), iso(end))):
                at = datetime.fromisoformat(item["sk"]["S"])
                if not start <= at < end:
                    continue
                counters: Counters = {
                    name.removeprefix(COUNTER): _number(value["N"])
                    for name, value in item.items()
                    if name.startswith(COUNTER)
                }
                found.append(WindowKpis(WindowKey(granularity, at), counters))
        return found

    def _query(self, pk: str, between: tuple[str, str] | None = None) -> Iterator[Item]:
        arguments: dict[str, Any] = {
            "TableName": self._name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        if between is not None:
            arguments["KeyConditionExpression"] += " AND sk BETWEEN :from AND :to"
            arguments["ExpressionAttributeValues"].update(
                {":from": {"S": between[0]}, ":to": {"S": between[1]}}
            )
        while True:
            answer = self._client.query(**arguments)
            yield from answer.get("Items", [])
            if "LastEvaluatedKey" not in answer:
                return
            arguments["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _days(start: datetime, end: datetime) -> Iterator[datetime]:
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        yield day
        day += timedelta(days=1)


def _time(value: Mapping[str, str] | None) -> datetime | None:
    return None if value is None else from_micros(int(value["N"]))


def _number(text: str) -> int | Decimal:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() and "." not in text else value
