"""Property-based soundness: for random schema pairs, whenever diff() calls a direction
compatible, no sampled document valid under one schema is invalid under the other (validity
judged by the jsonschema library). Also: where a counterexample is known to exist, the checker
must not call the direction compatible."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from ordermesh_contracts.compat import diff

from . import draft2020

TYPES = ["string", "number", "integer", "object", "array", "boolean", "null"]


def _leaf(rng: random.Random) -> Any:
    return rng.choice([True, False, {}, {"type": rng.choice(TYPES)}, {"type": rng.choice(TYPES)}])


def _object_keywords(rng: random.Random, schema: dict[str, Any], depth: int) -> None:
    names = rng.sample(["foo", "bar", "baz"], rng.randint(0, 2))
    schema["properties"] = {name: random_schema(rng, depth + 1) for name in names}
    if rng.random() < 0.4:
        schema["additionalProperties"] = rng.choice([True, False, random_schema(rng, depth + 1)])
    if rng.random() < 0.3:
        schema["required"] = rng.sample(["foo", "bar"], rng.randint(1, 2))
    if rng.random() < 0.15:
        schema["patternProperties"] = {"^b": random_schema(rng, depth + 1)}


def _array_keywords(rng: random.Random, schema: dict[str, Any], depth: int) -> None:
    if rng.random() < 0.5:
        schema["items"] = random_schema(rng, depth + 1)
    else:
        schema["items"] = [random_schema(rng, depth + 1) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.5:
            schema["additionalItems"] = rng.choice([True, False, random_schema(rng, depth + 1)])
    if rng.random() < 0.2:
        schema[rng.choice(["minItems", "maxItems"])] = rng.randint(0, 3)


def random_schema(rng: random.Random, depth: int = 0) -> Any:  # noqa: C901 - a grammar
    if depth > 2 or rng.random() < 0.15:
        return _leaf(rng)
    schema: dict[str, Any] = {}
    if rng.random() < 0.3:
        schema["type"] = rng.choice([rng.choice(TYPES), rng.sample(TYPES, 2)])
    if rng.random() < 0.15:
        schema["enum"] = rng.sample(["a", "b", 1, 2, None, True], rng.randint(1, 3))
    if rng.random() < 0.2:
        key = rng.choice(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"])
        schema[key] = rng.choice([0, 1, 2, 5])
    if rng.random() < 0.1:
        schema["multipleOf"] = rng.choice([1, 2, 0.5, 3])
    if rng.random() < 0.15:
        schema[rng.choice(["minLength", "maxLength"])] = rng.randint(0, 4)
    if rng.random() < 0.3:
        _object_keywords(rng, schema, depth)
    if rng.random() < 0.2:
        _array_keywords(rng, schema, depth)
    if rng.random() < 0.25:
        kind = rng.choice(["anyOf", "oneOf", "allOf"])
        schema[kind] = [random_schema(rng, depth + 1) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.07:
        schema["not"] = random_schema(rng, depth + 1)
    return schema


def mutate(rng: random.Random, schema: Any, depth: int = 0) -> Any:
    schema = copy.deepcopy(schema)
    if not isinstance(schema, dict) or rng.random() < 0.15:
        return random_schema(rng, depth)
    roll = rng.random()
    if schema and roll < 0.3:
        del schema[rng.choice(sorted(schema))]
    elif roll < 0.6:
        extra = random_schema(rng, depth)
        if isinstance(extra, dict):
            schema.update({k: v for k, v in extra.items() if rng.random() < 0.5})
    else:
        _mutate_child(rng, schema, depth)
    return schema


def _mutate_child(rng: random.Random, schema: dict[str, Any], depth: int) -> None:
    for key in ("properties", "items", "anyOf", "oneOf", "allOf", "additionalProperties"):
        value = schema.get(key)
        if value is None or value == {} or rng.random() < 0.4:
            continue
        if key == "properties":
            name = rng.choice(sorted(value))
            value[name] = mutate(rng, value[name], depth + 1)
        elif isinstance(value, list) and value:
            index = rng.randrange(len(value))
            value[index] = mutate(rng, value[index], depth + 1)
        else:
            schema[key] = mutate(rng, value, depth + 1)
        return


def _pair(seed: int) -> tuple[Any, Any]:
    rng = random.Random(seed)
    old = random_schema(rng)
    new = mutate(rng, old) if rng.random() < 0.8 else random_schema(rng)
    return old, new


def _assert_sound(pairs: Callable[[int], tuple[Any, Any]], seeds: range, find: Any) -> None:
    for seed in seeds:
        old, new = pairs(seed)
        changes = diff(old, new)
        backward = all(change.backward for change in changes)
        forward = all(change.forward for change in changes)
        against_old, against_new = find(old, new, count=40, seed=seed)
        assert not (backward and against_old), (seed, old, new, against_old[:1])
        assert not (forward and against_new), (seed, old, new, against_new[:1])


@pytest.mark.parametrize("block", range(8))
def test_random_pairs_are_sound(block: int, find_counterexamples: Any) -> None:
    _assert_sound(_pair, range(block * 100, block * 100 + 100), find_counterexamples)


@pytest.mark.parametrize("block", range(4))
def test_random_2020_pairs_are_sound(block: int, find_counterexamples: Any) -> None:
    """The same with the 2020-12 keywords (prefixItems, unevaluated*, contains/minContains, $ref
    with keywords beside it), some pairs in 2019-09 or naming no dialect."""
    _assert_sound(draft2020.pair, range(block * 100, block * 100 + 100), find_counterexamples)


def test_random_pairs_are_not_all_trivial(find_counterexamples: Any) -> None:
    """The generator does produce breaking pairs, and the checker flags them."""
    breaking = 0
    for seed in range(200):
        old, new = _pair(seed)
        against_old, _ = find_counterexamples(old, new, count=40, seed=seed)
        if against_old:
            breaking += 1
            assert not all(change.backward for change in diff(old, new))
    assert breaking > 20


def test_random_2020_pairs_are_not_all_trivial(find_counterexamples: Any) -> None:
    """Pairs that use unevaluated* are often called compatible in a direction (so the test above
    has verdicts to contradict), and the breaking ones are flagged."""
    called, breaking = 0, 0
    for seed in range(200):
        old, new = draft2020.pair(seed)
        if "unevaluated" not in json.dumps([old, new]):
            continue
        changes = diff(old, new)
        backward = all(change.backward for change in changes)
        forward = all(change.forward for change in changes)
        called += backward or forward
        against_old, against_new = find_counterexamples(old, new, count=40, seed=seed)
        breaking += bool(against_old or against_new)
    assert called > 40
    assert breaking > 20
