"""CachedRuleIndex: what matched is remembered by the values of the fields the rules read, and
the result is always the one RuleIndex gives."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from ordermesh_platform.patterns import CachedRuleIndex, Projection, RuleIndex, compile_pattern
from ordermesh_platform.patterns.projection import MAX_KEYS, field_names

VERSIONED = {
    "v1": {
        "source": ["ordermesh.order"],
        "detail-type": ["OrderPlaced"],
        "detail": {"metadata": {"eventVersion": [1]}},
    },
    "v2": {
        "source": ["ordermesh.order"],
        "detail-type": ["OrderPlaced"],
        "detail": {"metadata": {"eventVersion": [2]}},
    },
}
BIG_ORDERS = {
    "source": ["ordermesh.order"],
    "detail": {"data": {"total": [{"numeric": [">", 100]}]}},
}


def _event(version: Any = 2, total: Any = 10, **detail: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": f"id-{random.random()}",
        "source": "ordermesh.order",
        "detail-type": "OrderPlaced",
        "detail": {"metadata": {"eventVersion": version}, "data": {"total": total}, **detail},
    }


def _indexes(patterns: dict[str, Any]) -> tuple[RuleIndex, CachedRuleIndex]:
    plain, cached = RuleIndex(), CachedRuleIndex()
    for name, pattern in patterns.items():
        plain.add(name, pattern)
        cached.add(name, pattern)
    return plain, cached


def test_the_fields_a_pattern_reads_are_its_dotted_field_names() -> None:
    pattern = compile_pattern({**VERSIONED["v2"], "$or": [{"account": ["1"]}, {"region": ["x"]}]})
    assert field_names(pattern) == {
        "source",
        "detail-type",
        "detail.metadata.eventVersion",
        "account",
        "region",
    }


def test_events_alike_in_the_fields_read_are_matched_once() -> None:
    plain, cached = _indexes(VERSIONED)
    calls: list[str] = []
    real = RuleIndex.match

    def counted(self: RuleIndex, event: dict[str, Any]) -> list[str]:
        calls.append(event["id"])
        return real(self, event)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RuleIndex, "match", counted)
        found = [cached.match(_event(total=n)) for n in range(5)]
        found += [cached.match(_event(version=1, total=n)) for n in range(5)]
    assert found == [["v2"]] * 5 + [["v1"]] * 5
    assert len(calls) == 2  # one per event version
    assert plain.match(_event(version=1)) == ["v1"]


def test_a_rule_reading_other_fields_is_still_matched_per_event() -> None:
    _, cached = _indexes({**VERSIONED, "big-orders": BIG_ORDERS})
    assert cached.match(_event(total=50)) == ["v2"]
    assert cached.match(_event(total=150)) == ["v2", "big-orders"]
    assert cached.match(_event(total=50)) == ["v2"]
    assert cached.match(_event(total=101)) == ["v2", "big-orders"]


def test_values_that_are_equal_in_python_but_not_in_json_are_told_apart() -> None:
    _, cached = _indexes({"one": {"detail": {"metadata": {"eventVersion": [1]}}}})
    assert cached.match(_event(version=1)) == ["one"]
    assert cached.match(_event(version=True)) == []
    assert cached.match(_event(version=1.0)) == ["one"]  # a fraction: matched in full
    assert cached.match(_event(version="1")) == []
    assert cached.match(_event(version=None)) == []


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        # a key with a dot names the field as EventBridge reads it
        ({"source": "ordermesh.order", "detail-type": "OrderPlaced",
          "detail.metadata": {"eventVersion": 2}}, ["v2"]),
        ({"source": "ordermesh.order", "detail-type": "OrderPlaced",
          "detail": {"metadata.eventVersion": 2}}, ["v2"]),
        ({"source": "ordermesh.order", "detail-type": "OrderPlaced",
          "detail.metadata.eventVersion": 1}, ["v1"]),
        # arrays are matched across their elements
        ({"source": ["x", "ordermesh.order"], "detail-type": "OrderPlaced",
          "detail": {"metadata": [{"eventVersion": 7}, {"eventVersion": 2}]}}, ["v2"]),
        ({"source": "ordermesh.order", "detail-type": "OrderPlaced",
          "detail": {"metadata": {"eventVersion": [1, 2]}}}, ["v1", "v2"]),
        # a value where an object was expected, and nothing at all
        ({"source": "ordermesh.order", "detail-type": "OrderPlaced", "detail": "text"}, []),
        ({"source": "ordermesh.order", "detail-type": "OrderPlaced"}, []),
    ],
)  # fmt: skip
def test_events_the_values_alone_do_not_decide_are_matched_in_full(
    event: dict[str, Any], expected: list[str]
) -> None:
    plain, cached = _indexes(VERSIONED)
    twin = _without_dotted_keys(event)  # the same values where the cache reads them
    assert cached.match(twin) == plain.match(twin)
    assert plain.match(event) == expected
    assert cached.match(copy.deepcopy(event)) == expected


def _without_dotted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_dotted_keys(v) for k, v in value.items() if "." not in k}
    return value


def test_the_cache_starts_afresh_when_the_rules_change() -> None:
    _, cached = _indexes(VERSIONED)
    assert cached.match(_event(version=2)) == ["v2"]
    cached.add("v2", VERSIONED["v1"])  # replaced: same place, another pattern
    assert cached.match(_event(version=2)) == []
    cached.add("big-orders", BIG_ORDERS)
    assert cached.match(_event(version=1, total=500)) == ["v1", "v2", "big-orders"]
    cached.remove("v1")
    assert cached.match(_event(version=1, total=500)) == ["v2", "big-orders"]


def test_patterns_reading_many_fields_are_matched_in_full() -> None:
    pattern = {"detail": {"data": {f"f{n}": [str(n)] for n in range(10)}}}
    plain, cached = _indexes({"wide": pattern})
    event = {"detail": {"data": {f"f{n}": str(n) for n in range(10)}}}
    assert cached.match(event) == plain.match(event) == ["wide"]
    assert cached._cache == {}
    assert Projection(field_names(compile_pattern(pattern))).key(event) is not None


def test_the_cache_holds_at_most_max_keys() -> None:
    _, cached = _indexes({"big-orders": BIG_ORDERS})
    for total in range(MAX_KEYS + 10):
        assert cached.match(_event(total=total)) == (["big-orders"] if total > 100 else [])
    assert len(cached._cache) <= MAX_KEYS


def test_the_cached_index_agrees_with_the_index_on_random_events() -> None:
    patterns = {
        **VERSIONED,
        "big-orders": BIG_ORDERS,
        "no-version": {"detail": {"metadata": {"eventVersion": [{"exists": False}]}}},
        "prefix": {"source": [{"prefix": "ordermesh."}], "detail-type": [{"anything-but": "X"}]},
    }
    plain, cached = _indexes(patterns)
    rng = random.Random(21)
    values: list[Any] = [1, 2, True, False, None, "2", 2.0, 150, 99, [2], {"a": 1}, []]
    for _ in range(3000):
        event: dict[str, Any] = {"source": rng.choice(["ordermesh.order", "x", ["ordermesh.a"]])}
        if rng.random() < 0.9:
            event["detail-type"] = rng.choice(["OrderPlaced", "X", 3])
        metadata = {"eventVersion": rng.choice(values)} if rng.random() < 0.8 else {}
        detail: dict[str, Any] = {"metadata": metadata, "data": {"total": rng.choice(values)}}
        if rng.random() < 0.05:
            detail["metadata.eventVersion"] = rng.choice(values)
        event["detail"] = detail if rng.random() < 0.95 else rng.choice(values)
        assert cached.match(event) == plain.match(event), event
