"""Random draft 2020-12 schema pairs for the sampled-documents soundness test: content models
closed or narrowed by unevaluatedProperties/unevaluatedItems, tuples made with prefixItems,
contains with minContains/maxContains, and the in-place applicators (allOf, anyOf, oneOf,
if/then/else, dependentSchemas, and $ref to $defs with keywords beside it) that decide what
unevaluated* governs. Mutations aim at what the issue was about: a property or tuple member
added or removed, a rest keyword changed, a $ref or what it points to changed. Most pairs name
2020-12 in $schema; some name 2019-09 (tuples in its items/additionalItems form), some none."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

TYPES = ["string", "number", "integer", "object", "array", "boolean", "null"]
NAMES = ["foo", "bar", "baz"]
REFS = ["#/$defs/a", "#/$defs/b"]  # definitions are made below the depth $ref is used at
DIALECTS = {
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
    "2019-09": "https://json-schema.org/draft/2019-09/schema",
}
Mutation = Callable[[random.Random, dict[str, Any], int], None]


def _leaf(rng: random.Random) -> Any:
    return rng.choice([True, False, {}, {"type": rng.choice(TYPES)}, {"type": rng.choice(TYPES)}])


def _rest(rng: random.Random, depth: int) -> Any:
    return rng.choice([False, False, True, random_schema(rng, depth + 1)])


def _object(rng: random.Random, schema: dict[str, Any], depth: int) -> None:
    names = rng.sample(NAMES, rng.randint(0, 2))
    schema["properties"] = {name: random_schema(rng, depth + 1) for name in names}
    if rng.random() < 0.5:
        schema["unevaluatedProperties"] = _rest(rng, depth)
    if rng.random() < 0.15:
        schema["additionalProperties"] = _rest(rng, depth)
    if rng.random() < 0.1:
        schema["patternProperties"] = {"^b": random_schema(rng, depth + 1)}
    if rng.random() < 0.2:
        schema["required"] = rng.sample(NAMES[:2], rng.randint(1, 2))


def _array(rng: random.Random, schema: dict[str, Any], depth: int) -> None:
    if rng.random() < 0.7:
        schema["prefixItems"] = [random_schema(rng, depth + 1) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.2:
        schema["items"] = _rest(rng, depth)
    if rng.random() < 0.55:
        schema["unevaluatedItems"] = _rest(rng, depth)
    if rng.random() < 0.3:
        _contains(rng, schema, depth)
    if rng.random() < 0.1:
        schema[rng.choice(["minItems", "maxItems"])] = rng.randint(0, 3)


def _contains(rng: random.Random, schema: dict[str, Any], depth: int) -> None:
    schema["contains"] = random_schema(rng, depth + 1)
    if rng.random() < 0.4:
        schema[rng.choice(["minContains", "maxContains"])] = rng.randint(0, 2)


def _applicators(rng: random.Random, schema: dict[str, Any], depth: int) -> None:
    roll = rng.random()
    if roll < 0.6:
        kind = rng.choice(["allOf", "anyOf", "oneOf"])
        schema[kind] = [random_schema(rng, depth + 1) for _ in range(rng.randint(1, 2))]
    elif roll < 0.8:
        schema["if"] = random_schema(rng, depth + 1)
        schema[rng.choice(["then", "else"])] = random_schema(rng, depth + 1)
    else:
        schema["dependentSchemas"] = {rng.choice(NAMES): random_schema(rng, depth + 1)}


def random_schema(rng: random.Random, depth: int = 0) -> Any:
    if depth > 2 or rng.random() < 0.15:
        return _leaf(rng)
    schema: dict[str, Any] = {}
    if rng.random() < 0.4:
        schema["type"] = rng.choice(["object", "array", rng.choice(TYPES)])
    if rng.random() < 0.45:
        _object(rng, schema, depth)
    if rng.random() < 0.45:
        _array(rng, schema, depth)
    if rng.random() < 0.3:
        _applicators(rng, schema, depth)
    if rng.random() < 0.05:
        schema["not"] = random_schema(rng, depth + 1)
    if depth < 2 and rng.random() < 0.2:
        schema["$ref"] = rng.choice(REFS)
    return schema


def _member(rng: random.Random, schema: dict[str, Any], depth: int) -> None:
    """Add or remove a property or a tuple member (the last one, as the issue's example)."""
    if rng.random() < 0.5:
        properties = schema.setdefault("properties", {})
        name = rng.choice(NAMES)
        if name in properties:
            del properties[name]
        else:
            properties[name] = random_schema(rng, depth + 1)
        return
    prefix = schema.setdefault("prefixItems", [])
    if prefix and rng.random() < 0.5:
        prefix.pop()
    else:
        prefix.append(random_schema(rng, depth + 1))
    if not prefix:
        del schema["prefixItems"]  # an empty prefixItems is not a valid schema


def _rest_keyword(rng: random.Random, schema: dict[str, Any], depth: int) -> None:
    key = rng.choice(["unevaluatedProperties", "unevaluatedItems", "additionalProperties", "items"])
    if key in schema and rng.random() < 0.5:
        del schema[key]
    else:
        schema[key] = _rest(rng, depth)


def _ref(rng: random.Random, schema: dict[str, Any], depth: int) -> None:
    """Add a $ref (beside what the schema has), remove it, or point it elsewhere."""
    if depth >= 2:
        _member(rng, schema, depth)
    elif "$ref" in schema and rng.random() < 0.5:
        del schema["$ref"]
    else:
        schema["$ref"] = rng.choice(REFS)


def _other(rng: random.Random, schema: dict[str, Any], depth: int) -> None:
    roll = rng.random()
    if roll < 0.25:
        _contains(rng, schema, depth)
    elif roll < 0.5:
        _applicators(rng, schema, depth)
    elif schema:
        del schema[rng.choice(sorted(schema))]


def _child(rng: random.Random, schema: dict[str, Any], depth: int) -> None:
    for key in ("properties", "prefixItems", "allOf", "anyOf", "oneOf", "then", "contains"):
        value = schema.get(key)
        if not value or rng.random() < 0.4:
            continue
        if isinstance(value, dict) and key == "properties":
            name = rng.choice(sorted(value))
            value[name] = mutate(rng, value[name], depth + 1)
        elif isinstance(value, list):
            index = rng.randrange(len(value))
            value[index] = mutate(rng, value[index], depth + 1)
        else:
            schema[key] = mutate(rng, value, depth + 1)
        return
    _member(rng, schema, depth)


MUTATIONS: list[Mutation] = [_member, _member, _rest_keyword, _other, _child, _child, _ref]


def mutate(rng: random.Random, schema: Any, depth: int = 0) -> Any:
    if not isinstance(schema, dict) or rng.random() < 0.1:
        return random_schema(rng, depth)
    schema = copy.deepcopy(schema)
    rng.choice(MUTATIONS)(rng, schema, depth)
    return schema


def _to_2019(schema: Any) -> Any:
    """The 2019-09 form: prefixItems and items become items (a list) and additionalItems; items
    true or false is written as a schema object."""
    if isinstance(schema, list):
        return [_to_2019(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: _to_2019(value) for key, value in schema.items()}
    if isinstance(result.get("items"), bool):  # jsonschema's 2019-09 unevaluatedItems needs it
        result["items"] = {} if result["items"] else {"not": {}}
    if "prefixItems" in result:
        rest = result.pop("items", None)
        result["items"] = result.pop("prefixItems")
        if rest is not None:
            result["additionalItems"] = rest
    return result


def _root(body: Any, definitions: dict[str, Any], dialect: str) -> Any:
    if not isinstance(body, dict):
        return body
    root = {**body, "$defs": definitions}
    if dialect == "2019-09":
        root = _to_2019(root)
    return {"$schema": DIALECTS[dialect], **root} if dialect in DIALECTS else root


def pair(seed: int) -> tuple[Any, Any]:
    rng = random.Random(seed)
    old = random_schema(rng)
    new = mutate(rng, old) if rng.random() < 0.9 else random_schema(rng)
    definitions = {name[-1]: random_schema(rng, 2) for name in REFS}
    changed = dict(definitions)
    if rng.random() < 0.3:
        name = rng.choice(sorted(changed))
        changed[name] = mutate(rng, changed[name], 2)
    dialect = rng.choice(["2020-12", "2020-12", "2020-12", "2020-12", "2019-09", "none"])
    return _root(old, definitions, dialect), _root(new, changed, dialect)
