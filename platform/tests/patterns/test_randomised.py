"""Randomised cross-checks of the matcher's two paths and of the RuleIndex.

The tree walk (the hot path) must agree with the literal field walk (event-ruler's algorithm,
used when an event key has a dot or a key repeats) on random patterns and events, including
arrays of objects, ``exists: false``, ``$or`` and dotted names; ``matches_json`` must agree with
``matches``; and ``RuleIndex.match`` must equal trying every rule in insertion order.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from ordermesh_platform.patterns import EventPattern, RuleIndex, compile_pattern

NAMES = ("a", "b", "c", "d")
STRINGS = ("x", "y", "xy", "Xy", "10.0.0.1", "10.0.0.9", "")
NUMBERS = (0, 1, 2.5, -3, 1e10, 7)
SOURCES = ("ordermesh.orders", "ordermesh.payments", "ordermesh.stock")
TYPES = ("Created", "Cancelled")


CONDITIONS: tuple[tuple[float, Any], ...] = (
    (0.2, lambda rng: rng.choice(STRINGS)),
    (0.3, lambda rng: rng.choice(NUMBERS)),
    (0.33, lambda rng: rng.choice([True, False, None])),
    (0.4, lambda rng: {"prefix": rng.choice(["x", "X", ""])}),
    (0.45, lambda rng: {"suffix": rng.choice(["y", "Y"])}),
    (
        0.52,
        lambda rng: {
            "anything-but": rng.choice(
                [["x"], "y", [1, 2], {"prefix": "x"}, {"equals-ignore-case": ["XY"]}]
            )
        },
    ),
    (0.62, lambda rng: {"exists": rng.random() < 0.5}),
    (
        0.72,
        lambda rng: {"numeric": rng.choice([[">", 0], ["<=", 2.5], [">=", -3, "<", 7], ["=", 1]])},
    ),
    (0.78, lambda rng: {"equals-ignore-case": rng.choice(["XY", "x"])}),
    (0.84, lambda rng: {"wildcard": rng.choice(["x*", "*y", "*"])}),
    (0.9, lambda _rng: {"cidr": "10.0.0.0/29"}),
    (1.0, lambda _rng: {"prefix": {"equals-ignore-case": "X"}}),
)


def random_condition(rng: random.Random) -> Any:
    roll = rng.random()
    make = next(make for threshold, make in CONDITIONS if roll < threshold)
    return make(rng)


def random_pattern(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    pattern: dict[str, Any] = {}
    for name in rng.sample(NAMES, rng.randint(1, 3)):
        if depth < 2 and rng.random() < 0.35:
            pattern[name] = random_pattern(rng, depth + 1)
        else:
            pattern[name] = [random_condition(rng) for _ in range(rng.randint(1, 2))]
    if depth < 2 and rng.random() < 0.12:
        pattern["$or"] = [random_pattern(rng, depth + 1) for _ in range(2)]
    if rng.random() < 0.05:
        pattern[f"{rng.choice(NAMES)}.{rng.choice(NAMES)}"] = [random_condition(rng)]
    return pattern


def random_value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth < 3 and roll < 0.25:
        return random_event(rng, depth + 1)
    if depth < 3 and roll < 0.4:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if roll < 0.7:
        return rng.choice(STRINGS)
    if roll < 0.9:
        return rng.choice(NUMBERS)
    return rng.choice([True, False, None])


def random_event(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    event = {name: random_value(rng, depth) for name in rng.sample(NAMES, rng.randint(0, 4))}
    if rng.random() < 0.05:
        event[f"{rng.choice(NAMES)}.{rng.choice(NAMES)}"] = random_value(rng, depth + 1)
    return event


def satisfying(condition: Any, rng: random.Random) -> Any:  # noqa: PLR0911 - one per operator
    if not isinstance(condition, dict):
        return condition
    operator, operand = next(iter(condition.items()))
    if operator == "prefix":
        text = operand if isinstance(operand, str) else operand["equals-ignore-case"]
        return text + rng.choice(["", "y", "q"])
    if operator == "suffix":
        return rng.choice(["", "x"]) + operand
    if operator == "numeric":
        return rng.choice([0, 1, 2.5, 3, -3, 6.999, 7])
    if operator == "equals-ignore-case":
        return operand.swapcase() if rng.random() < 0.5 else operand
    if operator == "wildcard":
        return operand.replace("*", rng.choice(["", "zz"]))
    if operator == "cidr":
        return rng.choice(["10.0.0.3", "10.0.0.9"])
    return rng.choice(STRINGS + NUMBERS)


def nearby_event(pattern: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """An event built from the pattern: often matching, with arrays of objects to split."""
    event: dict[str, Any] = {}
    for name, value in pattern.items():
        if name == "$or":
            for branch in value:
                if rng.random() < 0.6:
                    event.update(nearby_event(branch, rng))
        elif rng.random() < 0.1:
            continue
        elif isinstance(value, dict):
            inner = nearby_event(value, rng)
            roll = rng.random()
            if roll < 0.5:
                event[name] = inner
            elif roll < 0.8:
                event[name] = [inner, nearby_event(value, rng)]
            else:
                event[name] = [inner, rng.choice(STRINGS)]
        else:
            values = [satisfying(rng.choice(value), rng) for _ in range(rng.randint(1, 2))]
            event[name] = values[0] if len(values) == 1 and rng.random() < 0.6 else values
    return event


@pytest.mark.parametrize("seed", range(4))
def test_tree_walk_agrees_with_the_field_walk(seed: int) -> None:
    rng = random.Random(seed)
    outcomes = {True: 0, False: 0}
    for _ in range(1500):
        source = random_pattern(rng)
        pattern = compile_pattern(source)
        for _ in range(4):
            event = nearby_event(source, rng) if rng.random() < 0.7 else random_event(rng)
            expected = pattern._walk_fields(event)
            assert pattern.matches(event) is expected, (json.dumps(source), json.dumps(event))
            assert pattern.matches_json(json.dumps(event)) is expected
            outcomes[expected] += 1
    assert min(outcomes.values()) > 1000, outcomes


def random_rule(rng: random.Random) -> dict[str, Any]:
    pattern = random_pattern(rng)
    if rng.random() < 0.7:
        pattern["source"] = rng.sample(SOURCES, rng.randint(1, 2))
    if rng.random() < 0.5:
        pattern["detail-type"] = [rng.choice(TYPES)]
    if rng.random() < 0.1:
        pattern["region"] = ["eu-west-1"]
    return pattern


def routed_event(rng: random.Random) -> dict[str, Any]:
    event = nearby_event(random_rule(rng), rng) if rng.random() < 0.7 else random_event(rng)
    if rng.random() < 0.2:
        event["source"] = [rng.choice(SOURCES), "other"]
    return event


@pytest.mark.parametrize("seed", range(3))
def test_rule_index_equals_trying_every_rule(seed: int) -> None:
    rng = random.Random(seed)
    index = RuleIndex()
    rules: dict[str, EventPattern] = {}
    order: list[str] = []

    def add(rule_id: str) -> None:
        pattern = compile_pattern(random_rule(rng))
        index.add(rule_id, pattern if rng.random() < 0.5 else pattern.source)
        if rule_id not in rules:
            order.append(rule_id)
        rules[rule_id] = pattern

    for number in range(300):
        add(f"rule-{number}")
    matched = 0
    for _ in range(1500):
        roll = rng.random()
        rule_id = f"rule-{rng.randrange(400)}"
        if roll < 0.05:
            index.remove(rule_id)
            if rules.pop(rule_id, None) is not None:
                order.remove(rule_id)
        elif roll < 0.1:
            add(rule_id)
        event = routed_event(rng)
        expected = [rule_id for rule_id in order if rules[rule_id].matches(event)]
        assert index.match(event) == expected, json.dumps(event)
        matched += len(expected)
        assert len(index) == len(rules)
    assert list(index) == order
    assert matched > 1000


def test_rule_index_only_tries_rules_the_event_can_match(monkeypatch: pytest.MonkeyPatch) -> None:
    index = RuleIndex()
    for number in range(1000):
        index.add(f"by-source-{number}", {"source": [f"svc-{number}"], "detail": {"n": [1]}})
    for number in range(10):
        index.add(f"by-type-{number}", {"detail-type": [f"T{number}"], "detail": {"n": [1]}})
    index.add("catch-all", {"detail": {"n": [{"numeric": [">", 0]}]}})
    tried: list[str] = []
    original = EventPattern.matches

    def counting(self: EventPattern, event: dict[str, Any]) -> bool:
        tried.append(self.source)
        return original(self, event)

    monkeypatch.setattr(EventPattern, "matches", counting)
    event = {"source": "svc-500", "detail-type": "T3", "detail": {"n": 1}}
    assert index.match(event) == ["by-source-500", "by-type-3", "catch-all"]
    assert len(tried) == 3
