"""Document sampling for the property-based tests: documents built from (and near) a pair of
schemas, and validity as judged by the `jsonschema` library."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft7Validator, Draft202012Validator
from jsonschema.validators import validator_for

_BASE_STRINGS = ["", "a", "b", "abc", "red", "blue", "one", "x", "S_1", "I_1", "2020-01-01"]
_BASE_NUMBERS: list[Any] = [0, 1, -1, 2, 3, 5, 1.5, 10, 11, 100, -2.5, 0.25]


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


class Pool:
    """Values worth trying, gathered from the schemas under test."""

    def __init__(self, schemas: tuple[Any, ...]) -> None:
        self.strings = list(_BASE_STRINGS)
        self.numbers = list(_BASE_NUMBERS)
        self.names = ["zzz", "foo", "bar"]
        self.scalars: list[Any] = [None, True, False]
        for schema in schemas:
            for key, value in _walk(schema):
                self._gather(key, value)

    def _gather(self, key: str, value: Any) -> None:
        if key in {"enum", "const"}:
            for item in value if key == "enum" and isinstance(value, list) else [value]:
                self._literal(item)
        else:
            self._gather_keyword(key, value)

    def _gather_keyword(self, key: str, value: Any) -> None:
        if key in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}:
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.numbers += [value, value - 1, value + 1, value + 0.5, value * 3]
        elif key in {"minLength", "maxLength"} and isinstance(value, int):
            self.strings += ["a" * max(value - 1, 0), "a" * value, "a" * (value + 1)]
        elif key in {"properties", "dependencies", "dependentSchemas", "dependentRequired"}:
            self.names += list(value) if isinstance(value, dict) else []
            self.names += list(value)
        elif key == "required" and isinstance(value, list):
            self.names += [name for name in value if isinstance(name, str)]
        elif key == "patternProperties" and isinstance(value, dict):
            for pattern in value:
                stem = re.sub(r"[\^$]", "", pattern)
                self.names += [stem + "1", stem + "x"]
        elif key == "pattern" and isinstance(value, str):
            stem = re.sub(r"[\^$+*]", "", value)
            self.strings += [stem, stem + stem, stem + "z"]

    def _literal(self, item: Any) -> None:
        if isinstance(item, str):
            self.strings.append(item)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            self.numbers.append(item)
        else:
            self.scalars.append(item)


class Sampler:
    def __init__(self, schemas: tuple[Any, ...], seed: int) -> None:
        self.rng = random.Random(seed)
        self.pool = Pool(schemas)
        self.roots = schemas

    def any_value(self, depth: int) -> Any:
        roll = self.rng.random()
        if roll < 0.3:
            return self.rng.choice(self.pool.strings)
        if roll < 0.6:
            return self.rng.choice(self.pool.numbers)
        if roll < 0.75 or depth > 2:
            return self.rng.choice(self.pool.scalars)
        if roll < 0.9:
            names = self.rng.sample(self.pool.names, k=min(2, len(self.pool.names)))
            return {name: self.any_value(depth + 1) for name in names}
        return [self.any_value(depth + 1) for _ in range(self.rng.randint(0, 3))]

    def resolve(self, schema: Any, root: Any) -> Any:
        for _ in range(10):
            if not isinstance(schema, dict) or "$ref" not in schema:
                return schema
            target: Any = root
            for raw in schema["$ref"].lstrip("#").split("/")[1:]:
                token = raw.replace("~1", "/").replace("~0", "~")
                target = target[int(token)] if isinstance(target, list) else target.get(token, {})
            schema = target
        return schema

    def value(self, schema: Any, root: Any, depth: int = 0) -> Any:
        beside_ref = isinstance(schema, dict) and len(schema) > 1 and "$ref" in schema
        if beside_ref and self.rng.random() < 0.5:  # keywords beside $ref apply (2019-09 on)
            schema = {key: item for key, item in schema.items() if key != "$ref"}
        schema = self.resolve(schema, root)
        if not isinstance(schema, dict) or depth > 4 or self.rng.random() < 0.1:
            return self.any_value(depth)
        for key in ("allOf", "anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key] and self.rng.random() < 0.5:
                return self.value(self.rng.choice(schema[key]), root, depth + 1)
        if "const" in schema and self.rng.random() < 0.7:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"] and self.rng.random() < 0.7:
            return self.rng.choice(schema["enum"])
        return self._typed(schema, root, depth)

    def _typed(self, schema: dict[str, Any], root: Any, depth: int) -> Any:
        types = schema.get("type")
        types = [types] if isinstance(types, str) else types
        if not types:
            types = ["string", "number", "integer", "object", "array", "boolean", "null"]
        kind = self.rng.choice(types)
        if kind == "object":
            return self._object(schema, root, depth)
        if kind == "array":
            return self._array(schema, root, depth)
        if kind == "string":
            return self.rng.choice(self.pool.strings)
        if kind in {"number", "integer"}:
            number = self.rng.choice(self.pool.numbers)
            return int(number) if kind == "integer" else number
        return self.rng.choice(self.pool.scalars)

    def _object(self, schema: dict[str, Any], root: Any, depth: int) -> dict[str, Any]:
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        result: dict[str, Any] = {}
        rest = schema.get("additionalProperties", schema.get("unevaluatedProperties", True))
        for name in dict.fromkeys(self.pool.names):
            if self.rng.random() < (0.7 if name in props else 0.25):
                result[name] = self.value(props.get(name, rest), root, depth + 1)
        return result

    def _array(self, schema: dict[str, Any], root: Any, depth: int) -> list[Any]:
        """Position schemas (prefixItems, or items in its draft 4 tuple form), then the rest."""
        items = schema.get("items", True)
        positions, rest_keyword = [], "items"
        if isinstance(schema.get("prefixItems"), list):
            positions = schema["prefixItems"]
        elif isinstance(items, list):
            positions, rest_keyword = items, "additionalItems"
        rest = schema.get(rest_keyword, schema.get("unevaluatedItems", True))
        length = self.rng.randint(0, max(4, len(positions) + 2))
        result = [
            self.value(positions[i] if i < len(positions) else rest, root, depth + 1)
            for i in range(length)
        ]
        if "contains" in schema and self.rng.random() < 0.6:
            found = self.value(schema["contains"], root, depth + 1)
            result.insert(self.rng.randint(0, len(result)), found)
        return result

    def documents(self, count: int) -> list[Any]:
        found: dict[str, Any] = {}
        for root in self.roots:
            for _ in range(count):
                document = self.value(root, root)
                found.setdefault(json.dumps(document, sort_keys=True), document)
        for _ in range(count // 4):
            document = self.any_value(0)
            found.setdefault(json.dumps(document, sort_keys=True), document)
        return list(found.values())


# Keywords that draft 7 does not know (2019-09 and 2020-12 ones): their schemas are judged as
# 2020-12, or draft 7 would ignore them and call documents valid that are not.
_DRAFT_2020 = {
    "prefixItems",
    "dependentRequired",
    "dependentSchemas",
    "$defs",
    "unevaluatedProperties",
    "unevaluatedItems",
    "minContains",
    "maxContains",
}


def is_valid(schema: Any, document: Any) -> bool:
    """The dialect $schema names; without it, draft 4 for the boolean exclusiveMinimum/Maximum
    form, 2020-12 for its keywords, else 7."""
    keys = list(_walk(schema))
    declared = validator_for(schema, default=None) if isinstance(schema, dict) else None
    boolean_exclusive = any(
        k in {"exclusiveMinimum", "exclusiveMaximum"} and isinstance(v, bool) for k, v in keys
    )
    if declared is not None:
        cls: Any = declared
    elif boolean_exclusive:
        cls = Draft4Validator
    elif any(key in _DRAFT_2020 for key, _ in keys):
        cls = Draft202012Validator
    else:
        cls = Draft7Validator
    return bool(cls(schema).is_valid(document))


def counterexamples(
    old: Any, new: Any, count: int = 150, seed: int = 7
) -> tuple[list[Any], list[Any]]:
    """Sampled documents valid under old but not new, and valid under new but not old."""
    backward: list[Any] = []
    forward: list[Any] = []
    for document in Sampler((old, new), seed).documents(count):
        in_old, in_new = is_valid(old, document), is_valid(new, document)
        if in_old and not in_new:
            backward.append(document)
        if in_new and not in_old:
            forward.append(document)
    return backward, forward


@pytest.fixture
def find_counterexamples() -> Callable[..., tuple[list[Any], list[Any]]]:
    return counterexamples
