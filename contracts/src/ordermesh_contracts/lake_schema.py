"""Glue tables of the data lake: one per event contract version, typed from its JSON Schema.

Firehose converts each event (OpenX JSON SerDe in, Parquet out) with the columns of a Glue table;
this module derives those columns from a contract's bundled schema. Pure Python: the CDK stack
reads it for the Glue tables and the local runtime for the Parquet files it writes, so the two
cannot drift. Where a JSON Schema node has no faithful Hive type, the column is ``string`` and the
SerDe keeps the value's JSON text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, NoReturn

JSON_KEY_MAPPINGS: Final = {"detail_type": "detail-type"}  # OpenX ColumnToJsonKeyMappings
MAX_TYPE_LENGTH: Final = 131_072  # Glue Column.Type
MAX_COMMENT_LENGTH: Final = 255  # Glue Column.Comment

# EventBridge's envelope, typed by EventBridge rather than by the contract: (column, JSON key, type)
_ENVELOPE: Final = (
    ("version", "version", "string"),
    ("id", "id", "string"),
    ("detail_type", "detail-type", "string"),
    ("source", "source", "string"),
    ("account", "account", "string"),
    ("time", "time", "string"),
    ("region", "region", "string"),
    ("resources", "resources", "array<string>"),
)
_EVENT_NAME: Final = re.compile(r"[A-Z][A-Za-z0-9]*")
_WORD_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_FIELD_NAME: Final = re.compile(r"[A-Za-z0-9_]+")
_SCALARS: Final = {
    "string": "string",
    "integer": "bigint",
    "number": "double",
    "boolean": "boolean",
}
_JSON_TYPES: Final = frozenset({*_SCALARS, "array", "object", "null"})
_OBJECT_KEYWORDS: Final = frozenset({"properties", "additionalProperties", "patternProperties"})
_SHAPE_KEYWORDS: Final = _OBJECT_KEYWORDS | {"type", "items", "enum", "const", "$ref"}
_COMBINATORS: Final = ("allOf", "anyOf", "oneOf")


def table_name(detail_type: str, version: int) -> str:
    """``("OrderPlaced", 2)`` -> ``order_placed_v2``: lower case, letters, digits, underscore."""
    _check_identity(detail_type, version)
    return f"{_WORD_BOUNDARY.sub('_', detail_type).lower()}_v{version}"


def event_prefix(detail_type: str, version: int) -> str:
    """S3 prefix of one version's data; the ``date=YYYY-MM-DD/`` partitions sit below it."""
    _check_identity(detail_type, version)
    return f"events/event={detail_type}/version={version}/"


def glue_type(
    schema: Mapping[str, Any], *, root: Mapping[str, Any] | None = None, pointer: str = "#"
) -> str:
    """Hive type of ``schema``, a node of the bundled schema ``root`` (itself when not given)."""
    return _Types(schema if root is None else root).of(schema, pointer)


def columns(contract_schema: Mapping[str, Any]) -> list[dict[str, str]]:
    """Glue columns of one contract's table: the EventBridge envelope, ``detail`` typed."""
    types = _Types(contract_schema)
    properties = contract_schema.get("properties")
    if not isinstance(properties, Mapping) or "detail" not in properties:
        raise ValueError("#/properties/detail: the contract has no detail schema")
    rows = [(name, key, glue) for name, key, glue in _ENVELOPE]
    rows.append(("detail", "detail", types.of(properties["detail"], "#/properties/detail")))
    result = []
    for name, key, glue in rows:
        if len(glue) > MAX_TYPE_LENGTH:
            raise ValueError(f"column {name}: type is {len(glue)} characters, Glue takes 131072")
        column = {"Name": name, "Type": glue}
        description = types.description(properties.get(key), f"#/properties/{key}")
        if comment := _comment(description):
            column["Comment"] = comment
        result.append(column)
    return result


def _check_identity(detail_type: str, version: int) -> None:
    if not _EVENT_NAME.fullmatch(detail_type):
        raise ValueError(f"detail-type {detail_type!r} is not an event name like OrderPlaced")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"version {version!r} is not a major version (1, 2, ...)")


def _comment(text: str | None) -> str | None:
    """One line (Glue's pattern has no line breaks), at most 255 characters."""
    if text is None:
        return None
    line = " ".join("".join(c for c in text if c >= " " or c.isspace()).split())
    if len(line) > MAX_COMMENT_LENGTH:
        line = line[: MAX_COMMENT_LENGTH - 1] + "…"
    return line or None


class _Types:
    """Hive types of the nodes of one schema; ``$ref``s point into ``root``."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self._expanding: list[str] = []  # references being expanded: a repeat is a recursive type

    def of(self, node: object, path: str) -> str:
        if isinstance(node, bool):  # true / false schemas: any JSON, kept as text
            return "string"
        node = _mapping(node, path)
        if "$ref" in node:
            return self._reference(node["$ref"], path)
        if "allOf" in node:
            return self._all_of(node, path)
        for keyword in ("anyOf", "oneOf"):
            if keyword in node:
                return self._union(node, keyword, path)
        return self._typed(node, path)

    def _typed(self, node: Mapping[str, Any], path: str) -> str:
        kinds = self._kinds(node, path)
        if kinds == {"integer", "number"}:
            kinds = {"number"}
        if len(kinds) != 1:  # any JSON, or several types: JSON text
            return "string"
        (kind,) = kinds
        if kind == "array":
            return f"array<{self._items(node, path)}>"
        return self._object(node, path) if kind == "object" else _SCALARS[kind]

    def description(self, node: object, path: str) -> str | None:
        """A node's own description, else the one of the definition it references."""
        for candidate in (node, self._resolved(node, path)):
            if isinstance(candidate, Mapping) and isinstance(
                text := candidate.get("description"), str
            ):
                return text
        return None

    def _reference(self, ref: object, path: str) -> str:
        if not isinstance(ref, str) or not ref.startswith("#"):
            _malformed(f"{path}/$ref", f"{ref!r} is not local: pass the bundled schema")
        if ref in self._expanding:  # a recursive type has no Hive form: keep it as JSON text
            return "string"
        self._expanding.append(ref)
        try:
            return self.of(self._target(ref, path), ref)
        finally:
            self._expanding.pop()

    def _target(self, ref: str, path: str) -> object:
        node: object = self.root
        for token in ref.removeprefix("#").split("/")[1:]:
            key = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                _malformed(f"{path}/$ref", f"{ref!r} points at nothing in the schema")
        return node

    def _kinds(self, node: Mapping[str, Any], path: str) -> set[str]:
        """The JSON types a node allows, ``null`` left out (a Hive column is nullable)."""
        declared = node.get("type")
        if declared is None:
            return _inferred_kinds(node, path)
        names = [declared] if isinstance(declared, str) else declared
        known = isinstance(names, list) and all(isinstance(n, str) for n in names)
        if not (known and names and _JSON_TYPES.issuperset(names)):
            _malformed(f"{path}/type", f"{declared!r} is not a JSON Schema type")
        return set(names) - {"null"}

    def _items(self, node: Mapping[str, Any], path: str) -> str:
        items = node.get("items", True)
        if isinstance(items, list):  # tuple form: one type if every position has it
            return self._common([(item, f"{path}/items/{i}") for i, item in enumerate(items)])
        return self.of(items, f"{path}/items")

    def _object(self, node: Mapping[str, Any], path: str) -> str:
        properties = node.get("properties", {})
        if not isinstance(properties, Mapping):
            _malformed(f"{path}/properties", "must be an object of property schemas")
        if properties:
            return self._struct(
                [(n, s, f"{path}/properties/{_escape(n)}") for n, s in properties.items()]
            )
        extra = node.get("additionalProperties")
        if isinstance(extra, Mapping) and self._is_plain_string(
            extra, f"{path}/additionalProperties"
        ):
            return "map<string,string>"
        return "string"  # free-form object: JSON text

    def _struct(self, fields: list[tuple[str, object, str]]) -> str:
        parts: list[str] = []
        seen: dict[str, str] = {}  # lower-cased name -> name: the SerDe matches keys in lower case
        for name, schema, where in fields:
            if not _FIELD_NAME.fullmatch(name):
                raise ValueError(
                    f"{where}: property {name!r} cannot be a Hive struct field "
                    "(letters, digits and underscore only)"
                )
            if (clash := seen.setdefault(name.lower(), name)) != name:
                raise ValueError(f"{where}: {name!r} and {clash!r} are one field to the SerDe")
            parts.append(f"{name}:{self.of(schema, where)}")
        return f"struct<{','.join(parts)}>"

    def _all_of(self, node: Mapping[str, Any], path: str) -> str:
        parts = self._parts(node, path, frozenset())
        if parts and all(self._kinds(part, where) == {"object"} for part, where in parts):
            return self._merged_object(parts, path)
        return self._common(list(parts))

    def _parts(
        self, node: object, path: str, visiting: frozenset[str]
    ) -> list[tuple[Mapping[str, Any], str]]:
        """The schemas an ``allOf`` joins, references followed and nested ``allOf``s flattened."""
        if isinstance(node, bool):
            return []
        node = _mapping(node, path)
        if isinstance(ref := node.get("$ref"), str) and ref.startswith("#"):
            return (
                []
                if ref in visiting
                else self._parts(self._target(ref, path), ref, visiting | {ref})
            )
        if "allOf" not in node:
            return [(node, path)] if _has_shape(node) else []
        own = {k: v for k, v in node.items() if k != "allOf"}
        parts: list[tuple[Mapping[str, Any], str]] = [(own, path)] if _has_shape(own) else []
        for i, branch in enumerate(_branches(node, "allOf", path)):
            parts += self._parts(branch, f"{path}/allOf/{i}", visiting)
        return parts

    def _merged_object(self, parts: list[tuple[Mapping[str, Any], str]], path: str) -> str:
        fields: dict[str, tuple[object, str]] = {}
        extra: object = None
        for part, where in parts:
            properties = part.get("properties", {})
            if not isinstance(properties, Mapping):
                _malformed(f"{where}/properties", "must be an object of property schemas")
            for name, schema in properties.items():
                first = fields.get(name)
                both = schema if first is None else {"allOf": [first[0], schema]}
                fields[name] = (both, first[1] if first else f"{where}/properties/{_escape(name)}")
            extra = part.get("additionalProperties", extra)
        if fields:
            return self._struct([(name, schema, where) for name, (schema, where) in fields.items()])
        return self._object({"type": "object", "additionalProperties": extra}, path)

    def _union(self, node: Mapping[str, Any], keyword: str, path: str) -> str:
        """``anyOf`` / ``oneOf``: the branches' common type (null branches aside), else text."""
        own = {k: v for k, v in node.items() if k != keyword}
        branches = [
            ({"allOf": [own, branch]} if _has_shape(own) else branch, f"{path}/{keyword}/{i}")
            for i, branch in enumerate(_branches(node, keyword, path))
            if not self._is_null(branch, f"{path}/{keyword}/{i}")
        ]
        return self._common(branches)

    def _common(self, branches: list[tuple[object, str]]) -> str:
        types = {self.of(branch, where) for branch, where in branches}
        return types.pop() if len(types) == 1 else "string"

    def _is_null(self, node: object, path: str) -> bool:
        node = self._resolved(node, path)
        return isinstance(node, Mapping) and (
            node.get("type") in ("null", ["null"]) or node.get("enum") == [None]
        )

    def _is_plain_string(self, node: object, path: str) -> bool:
        node = self._resolved(node, path)
        if not isinstance(node, Mapping) or any(k in node for k in _COMBINATORS):
            return False
        return self._kinds(node, path) == {"string"}

    def _resolved(self, node: object, path: str) -> object:
        """The node a chain of ``$ref``s ends at (``None`` for a cycle or an external one)."""
        seen: set[str] = set()
        while isinstance(node, Mapping) and isinstance(ref := node.get("$ref"), str):
            if ref in seen or not ref.startswith("#"):
                return None
            seen.add(ref)
            node, path = self._target(ref, path), ref
        return node


def _inferred_kinds(node: Mapping[str, Any], path: str) -> set[str]:
    """Types a node without ``type`` allows, read from its other keywords."""
    if any(k in node for k in _OBJECT_KEYWORDS):
        return {"object"}
    if "items" in node:
        return {"array"}
    if "enum" in node and not isinstance(node["enum"], list):
        _malformed(f"{path}/enum", "must be an array")
    values = node.get("enum", [node["const"]] if "const" in node else [])
    return {_json_type(value) for value in values} - {"null"}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _has_shape(node: Mapping[str, Any]) -> bool:
    """Whether a node says anything about type (``{"required": [...]}`` alone does not)."""
    return any(k in node for k in _SHAPE_KEYWORDS) or any(k in node for k in _COMBINATORS)


def _branches(node: Mapping[str, Any], keyword: str, path: str) -> list[object]:
    branches = node[keyword]
    if not isinstance(branches, list) or not branches:
        _malformed(f"{path}/{keyword}", "must be a non-empty array of schemas")
    return branches


def _mapping(node: object, path: str) -> Mapping[str, Any]:
    if not isinstance(node, Mapping):
        _malformed(path, f"a schema must be a JSON object, not {type(node).__name__}")
    return node


def _malformed(path: str, problem: str) -> NoReturn:
    """A schema no JSON Schema validator would accept: say where, as a JSON pointer."""
    raise ValueError(f"{path}: {problem}")


def _escape(name: str) -> str:
    """A property name as a JSON pointer token."""
    return name.replace("~", "~0").replace("/", "~1")
