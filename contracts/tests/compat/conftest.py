"""Document sampling for the property-based tests: documents built from (and near) a pair of
schemas, and validity as judged by the `jsonschema` library (`jsonschema-rs` for 2019-09, and
`jschon` for 2019-09 as written, which the other two read otherwise)."""

from __future__ import annotations

import json
import random
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import jsonschema_rs
import pytest
from jschon import JSON, JSONSchema, create_catalog
from jsonschema import Draft4Validator, Draft7Validator, Draft201909Validator, Draft202012Validator
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


def _validator_class(schema: Any) -> Any:
    """The dialect $schema names; without it, draft 4 for the boolean exclusiveMinimum/Maximum
    form, 2020-12 for its keywords, else 7."""
    declared = validator_for(schema, default=None) if isinstance(schema, dict) else None
    if declared is not None:
        return declared
    keys = list(_walk(schema))
    if any(k in {"exclusiveMinimum", "exclusiveMaximum"} and isinstance(v, bool) for k, v in keys):
        return Draft4Validator
    if any(key in _DRAFT_2020 for key, _ in keys):
        return Draft202012Validator
    return Draft7Validator


Judge = Callable[[Any], bool]  # whether a document is valid under one schema


def judge(schema: Any) -> Judge:
    """The schema, compiled by a validator of its dialect (for 2019-09, `jsonschema-rs`:
    `jsonschema`'s 2019-09 validator takes the keywords of an additionalProperties schema for
    property names when it looks for unevaluated properties)."""
    cls = _validator_class(schema)
    if cls is Draft201909Validator:
        return _as_2019(schema)
    validator = cls(schema)
    return lambda document: bool(validator.is_valid(document))


def is_valid(schema: Any, document: Any) -> bool:
    return judge(schema)(document)


def _as_2019(schema: Any) -> Judge:
    """2019-09 as `jsonschema-rs` reads it: the items contains matches are evaluated, as in
    2020-12."""
    validator = jsonschema_rs.Draft201909Validator(schema)
    return lambda document: bool(validator.is_valid(document))


class _AsWritten2019:
    """2019-09 as its text reads (jschon): the items contains matches are not evaluated."""

    def __init__(self) -> None:
        self.catalog: Any = None
        self.kept = ExitStack()  # the jschon cache the compiled schemas are in
        self.cacheid: Any = None
        self.compiled = 0

    def __call__(self, schema: Any) -> Judge:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # rfc3986, as jschon calls it
            compiled = JSONSchema(schema, catalog=self._catalog(), cacheid=self._cache())
        return lambda document: bool(compiled.evaluate(JSON(document)).valid)

    def _catalog(self) -> Any:
        if self.catalog is None:
            self.catalog = create_catalog("2019-09")
        return self.catalog

    def _cache(self) -> Any:
        if self.cacheid is None or self.compiled > _KEPT:  # let go of the older schemas
            self.kept.close()
            self.cacheid, self.compiled = self.kept.enter_context(self.catalog.cache()), 0
        self.compiled += 1
        return self.cacheid


_KEPT = 500
_as_written_2019 = _AsWritten2019()


def _ref_with_siblings(schema: Any) -> bool:
    if isinstance(schema, list):
        return any(_ref_with_siblings(item) for item in schema)
    if not isinstance(schema, dict):
        return False
    beside = set(schema) - {"$ref", "$schema", "$defs", "definitions", "description", "title"}
    return ("$ref" in schema and bool(beside)) or any(map(_ref_with_siblings, schema.values()))


def _other_judge(schema: Any) -> Judge | None:
    """How else a validator may read the schema: a 2019-09 one as written (`judge` reads
    contains as 2020-12 does); one that names no dialect, judged as draft 7, and has keywords
    beside a $ref as 2019-09 (they apply there; it has draft 7's tuple form of items)."""
    cls = _validator_class(schema)
    keys = {key for key, _ in _walk(schema)}
    if cls is Draft201909Validator and {"contains", "unevaluatedItems"} <= keys:
        return _as_written_2019(schema)
    undeclared = not (isinstance(schema, dict) and "$schema" in schema)
    if cls is Draft7Validator and undeclared and _ref_with_siblings(schema):
        return _as_2019(schema)
    return None


def readings(old: Any, new: Any) -> list[tuple[Judge, Judge]]:
    """The ways of judging a pair's documents, each a judge for old and one for new: `judge`'s,
    and where a validator may read either schema otherwise, that reading (the other schema read
    as `judge` reads it)."""
    first = judge(old), judge(new)
    others = _other_judge(old), _other_judge(new)
    if others == (None, None):
        return [first]
    return [first, (others[0] or first[0], others[1] or first[1])]


def counterexamples(
    old: Any, new: Any, count: int = 150, seed: int = 7
) -> tuple[list[Any], list[Any]]:
    """Sampled documents valid under old but not new, and valid under new but not old, in one
    of the ways a validator may read the pair."""
    backward: list[Any] = []
    forward: list[Any] = []
    documents = Sampler((old, new), seed).documents(count)
    for valid_old, valid_new in readings(old, new):
        for document in documents:
            in_old, in_new = valid_old(document), valid_new(document)
            if in_old and not in_new:
                backward.append(document)
            if in_new and not in_old:
                forward.append(document)
    return backward, forward


@pytest.fixture
def find_counterexamples() -> Callable[..., tuple[list[Any], list[Any]]]:
    return counterexamples
