"""Window items in DynamoDB: their keys, what they hold, the update that adds a chunk's counters
under the cap on a dimension's values, and the bound on their size.

A window item has a ``c:<counter>`` number per counter and, per capped dimension that has
admitted values, ``v:<dimension>``: how many values it holds under their own names. The adapter
reads the chunk's window items (consistently), decides the cap from them
(``cap.capped``), and each window's update that admits new values sets ``v:<dimension>`` on
the condition that it is still what was read (absent: still absent). A concurrent write that
admitted values meanwhile fails that condition, the transaction is refused whole and the chunk
is decided again from the items as they are then. A write that admits nothing has no
condition: what it relied on (a value held, a dimension full) cannot change, as values are
never removed.

An item's size is bounded (``worst_item_bytes``): DynamoDB refuses an item over 400 KB, and a
refused update would lose its window's counts.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from analytics_service.domain.windows import OTHER, Capped, Granularity, SagaMark, WindowKey, sketch
from analytics_service.domain.windows import counters as c
from analytics_service.domain.windows.cap import MAX_VALUE_BYTES, prefix

COUNTER = "c:"
HELD = "v:"
MAX_ITEM_BYTES = 400 * 1024
# The largest cap on a dimension's values allowed: its window items' bound is about 360 KB (at
# the default cap of 100: about 310 KB).
MAX_VALUES_ALLOWED = 150
Item = dict[str, Any]

# Every dimension the windows have (a test checks each counter the events add is in one),
# and every counter without one: what ``worst_item_bytes`` adds up.
DIMENSIONS = (
    "events.type",
    "orders_placed.currency",
    "orders_confirmed.currency",
    "revenue.currency",
    "orders_cancelled.reason",
    "payments_declined.code",
    "reservations_rejected.reason",
    "sagas_finished.outcome",
    "compensations.step",
    "stock_low.warehouse",
)
WHOLE = (
    c.ORDERS_PLACED,
    c.ORDERS_CONFIRMED,
    c.ORDERS_CANCELLED,
    c.PAYMENTS_AUTHORIZED,
    c.PAYMENTS_DECLINED,
    c.RESERVATIONS_MADE,
    c.RESERVATIONS_REJECTED,
    c.SAGAS_FINISHED,
    c.COMPENSATIONS,
    c.STOCK_LOW,
    c.LATE_EVENTS,
    c.REVISIONS,
)
# A number's size: 1 byte per two significant digits (38 at most) and 1 byte.
MAX_NUMBER_BYTES = 21


def window_pk(key: WindowKey) -> str:
    period = key.start.strftime("%Y-%m" if key.granularity is Granularity.DAY else "%Y-%m-%d")
    return f"WINDOW#{key.granularity.value}#{period}"


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def number(value: int | Decimal) -> dict[str, str]:
    return {"N": str(value)}


def window_key(key: WindowKey) -> Item:
    return {"pk": {"S": window_pk(key)}, "sk": {"S": iso(key.start)}}


def add_expression(counters: int) -> str:
    """The update expression adding ``counters`` counters: ``ADD #c0 :c0, #c1 :c1, ...`` (the
    names and values are placeholders, so its size depends on the count alone)."""
    return "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(counters))


class HeldInItems:
    """What the windows hold, as their items were read (``cap.Holding``)."""

    def __init__(self, items: Mapping[WindowKey, Item]) -> None:
        self._items = items

    def present(self, window: WindowKey, counters: Collection[str]) -> set[str]:
        item = self._items.get(window, {})
        return {name for name in counters if COUNTER + name in item}

    def held(self, window: WindowKey, dimension: str) -> int:
        start, other = COUNTER + prefix(dimension), COUNTER + prefix(dimension) + OTHER
        return sum(1 for a in self._items.get(window, {}) if a.startswith(start) and a != other)


def update(table: str, key: WindowKey, added: Capped, item: Item | None) -> Item:
    """The transaction's update of one window: an ``ADD`` of its counters, and for each
    dimension that admits values a ``SET`` of how many it holds, conditional on the count read
    in ``item`` (None: the window had no item)."""
    names = {f"#c{i}": COUNTER + name for i, name in enumerate(added.counters)}
    values = {f":c{i}": number(value) for i, value in enumerate(added.counters.values())}
    sets, conditions = [], []
    for i, (dimension, held) in enumerate(sorted(added.admitted.items())):
        names[f"#v{i}"] = HELD + dimension
        values[f":v{i}"] = number(held)
        sets.append(f"#v{i} = :v{i}")
        before = (item or {}).get(HELD + dimension)
        if before is None:
            conditions.append(f"attribute_not_exists(#v{i})")
        else:
            values[f":w{i}"] = before
            conditions.append(f"#v{i} = :w{i}")
    expression = add_expression(len(added.counters))
    if sets:
        expression = "SET " + ", ".join(sets) + " " + expression
    request: Item = {
        "TableName": table,
        "Key": window_key(key),
        "UpdateExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    if conditions:
        request["ConditionExpression"] = " AND ".join(conditions)
    return {"Update": request}


def item_bytes(item: Item) -> int:
    """An item's size as DynamoDB counts it: each attribute's name and value (a number at its
    largest, ``MAX_NUMBER_BYTES``)."""
    return sum(
        len(name.encode()) + (MAX_NUMBER_BYTES if "N" in value else len(value["S"].encode()))
        for name, value in item.items()
    )


def worst_item_bytes(max_values: int) -> int:
    """The largest a window item can be with a cap of ``max_values``: its keys, every counter
    without a dimension, each dimension full of values of ``MAX_VALUE_BYTES`` with ``OTHER``,
    its count and its overflow counter, and every sketch bucket overall and per outcome."""
    keys = len("pk") + len("WINDOW#1m#2026-12-05") + len("sk") + len("2026-12-05T10:00:00Z")
    total = keys + sum(len(COUNTER + name) + MAX_NUMBER_BYTES for name in WHOLE)
    for dimension in DIMENSIONS:
        value = len(COUNTER + prefix(dimension)) + MAX_VALUE_BYTES + MAX_NUMBER_BYTES
        total += (max_values + 1) * value
        total += len(HELD + dimension) + MAX_NUMBER_BYTES
        overflowed = c.name(c.VALUES_OVERFLOWED, dimension=dimension)
        total += len(COUNTER + overflowed) + MAX_NUMBER_BYTES
    index = len(str(sketch.ZERO_BUCKET))  # the longest bucket index
    outcomes = [{}, *({"outcome": m.value} for m in SagaMark if m is not SagaMark.STARTED)]
    for outcome in outcomes:
        name = c.name(c.SAGA_DURATION, **outcome, bucket="")
        total += sketch.MAX_BUCKETS * (len(COUNTER + name) + index + MAX_NUMBER_BYTES)
    return total
