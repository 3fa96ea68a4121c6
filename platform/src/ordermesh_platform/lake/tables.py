"""From a Glue table's columns to Parquet: the Arrow schema, and events converted to its rows.

The columns come from ``ordermesh_contracts.lake_schema`` (the translator the CDK stack uses for
the Glue tables), so the local Parquet files and the tables in AWS have one definition. Events
are converted as Firehose's OpenX JSON SerDe reads them: a column is filled from the JSON key of
its name (``detail_type`` from ``detail-type``), struct fields by name, a missing field or a JSON
``null`` is null, unknown keys are ignored, and a ``string`` column takes the JSON text of a value
that is not a string (free-form objects, unions). A value the column cannot hold (a fraction in a
``bigint``, text in a ``double``, an integer over 64 bits) fails the record's conversion, with the
path of the value; Firehose writes such records to its error output.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pyarrow as pa
import pyarrow.json as pa_json
from ordermesh_contracts.lake_schema import JSON_KEY_MAPPINGS

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
SHOWN_CHARS: Final = 40  # of a value quoted in an error
_TOKEN: Final = re.compile(r"[A-Za-z0-9_]+|[<>,:]")
_PRIMITIVES: Final[dict[str, pa.DataType]] = {
    "string": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
}

Convert = Callable[[Any, str], Any]  # (JSON value, its path) -> the value Arrow is given


class ConversionError(ValueError):
    """A record the table cannot hold: ``path`` is where (``detail.data.total``)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def arrow_type(hive: str) -> pa.DataType:
    """The Arrow type of a Hive type as Glue spells it (``struct<a:bigint,b:array<string>>``)."""
    return _HiveType(hive).parse()


def arrow_schema(columns: Sequence[Mapping[str, str]]) -> pa.Schema:
    """The Parquet schema of a table with these Glue columns (name, type), in their order."""
    return pa.schema([pa.field(c["Name"], arrow_type(c["Type"])) for c in columns])


def hive_type(arrow: pa.DataType) -> str:
    """The Hive type an Arrow type stands for: :func:`arrow_type`'s inverse."""
    for name, primitive in _PRIMITIVES.items():
        if arrow == primitive:
            return name
    if pa.types.is_list(arrow):
        return f"array<{hive_type(arrow.value_type)}>"
    if pa.types.is_map(arrow):
        return f"map<{hive_type(arrow.key_type)},{hive_type(arrow.item_type)}>"
    if pa.types.is_struct(arrow):
        fields = ",".join(f"{f.name}:{hive_type(f.type)}" for f in arrow)
        return f"struct<{fields}>"
    raise ValueError(f"{arrow} has no Hive type in the lake's tables")


@dataclass(frozen=True)
class RowConverter:
    """Events to rows of one table: ``row(event)`` checks and converts one event."""

    schema: pa.Schema
    _columns: tuple[tuple[str, str, Convert], ...]  # (column, JSON key, converter)
    json_schema: pa.Schema  # the schema with each column under its JSON key (``detail-type``)
    _has_map: bool

    @classmethod
    def of(cls, columns: Sequence[Mapping[str, str]]) -> RowConverter:
        schema = arrow_schema(columns)
        converters = tuple(
            (f.name, JSON_KEY_MAPPINGS.get(f.name, f.name), _converter(f.type)) for f in schema
        )
        json_schema = pa.schema([pa.field(key, schema.field(n).type) for n, key, _ in converters])
        has_map = any("map<" in c["Type"] for c in columns)
        return cls(schema, converters, json_schema, has_map)

    def row(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """One event as a row (column -> value); ConversionError if the table cannot hold it."""
        if not isinstance(event, Mapping):
            raise ConversionError("$", f"a record must be a JSON object, not {_kind(event)}")
        return {name: convert(event.get(key), key) for name, key, convert in self._columns}

    def table(self, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
        """Converted rows as one Arrow table with the schema."""
        return pa.Table.from_pylist(list(rows), schema=self.schema)

    def read(self, records: Sequence[str | bytes]) -> pa.Table | None:
        """Records (JSON text each) as one table, read by Arrow's JSON reader; None when any
        record needs more than it does, and each must then go through :meth:`row`.

        Arrow's reader is strict where the SerDe converts (JSON text into a ``string`` column, a
        whole ``2.0`` into a ``bigint``) and fails; it matches keys by exact name where the SerDe
        ignores case, so a key that differs from a field only in case sends the records to
        :meth:`row` too, as do tables with a map column (the reader has none). Otherwise both
        give the same rows, several times faster."""
        if self._has_map:  # Arrow's JSON reader reads no maps
            return None
        data = b"\n".join(r.encode() if isinstance(r, str) else bytes(r) for r in records)
        if data.count(b"\n") != len(records) - 1:  # a record over several lines
            return None
        options = pa_json.ParseOptions(
            explicit_schema=self.json_schema, unexpected_field_behavior="infer"
        )
        try:
            read = pa_json.read_json(
                io.BytesIO(data),
                read_options=pa_json.ReadOptions(block_size=len(data) + 1),
                parse_options=options,
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            return None
        if read.num_rows != len(records) or _case_variants(read.schema, self.json_schema):
            return None
        return (
            read.select(self.json_schema.names).rename_columns(self.schema.names).cast(self.schema)
        )


def _case_variants(read: pa.Schema | pa.DataType, declared: pa.Schema | pa.DataType) -> bool:
    """Whether ``read`` (a reader's inferred schema) has a field that differs from a declared
    sibling in case only, at any depth."""
    if isinstance(read, pa.Schema | pa.StructType) and isinstance(
        declared, pa.Schema | pa.StructType
    ):
        names = {f.name for f in declared}
        lowered = {n.lower() for n in names}
        for field in read:
            if field.name not in names:
                if field.name.lower() in lowered:
                    return True
                continue
            if _case_variants(field.type, declared.field(field.name).type):
                return True
        return False
    if isinstance(read, pa.ListType) and isinstance(declared, pa.ListType):
        return _case_variants(read.value_type, declared.value_type)
    return False


def _converter(arrow: pa.DataType) -> Convert:  # noqa: PLR0911 - one converter per Hive type
    if arrow == pa.string():
        return _string
    if arrow == pa.int64():
        return _bigint
    if arrow == pa.float64():
        return _double
    if arrow == pa.bool_():
        return _boolean
    if pa.types.is_list(arrow):
        return _array(_converter(arrow.value_type))
    if pa.types.is_map(arrow):
        return _map(_converter(arrow.item_type))
    if pa.types.is_struct(arrow):
        return _struct(tuple((f.name, _converter(f.type)) for f in arrow))
    raise ValueError(f"{arrow} has no converter")


def _string(value: Any, path: str) -> str | None:
    del path
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _bigint(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConversionError(path, f"{_kind(value)} {_shown(value)} is not a bigint")
    if isinstance(value, float) and not value.is_integer():
        raise ConversionError(path, f"{value!r} has a fraction: not a bigint")
    whole = int(value)
    if not INT64_MIN <= whole <= INT64_MAX:
        raise ConversionError(path, f"{value} does not fit a bigint (64 bits)")
    return whole


def _double(value: Any, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConversionError(path, f"{_kind(value)} {_shown(value)} is not a double")
    try:
        return float(value)
    except OverflowError:
        raise ConversionError(path, f"{value} does not fit a double") from None


def _boolean(value: Any, path: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ConversionError(path, f"{_kind(value)} {_shown(value)} is not a boolean")


def _array(item: Convert) -> Convert:
    def convert(value: Any, path: str) -> list[Any] | None:
        if value is None:
            return None
        if not isinstance(value, list):
            raise ConversionError(path, f"{_kind(value)} is not an array")
        return [item(v, f"{path}[{i}]") for i, v in enumerate(value)]

    return convert


def _map(item: Convert) -> Convert:
    def convert(value: Any, path: str) -> list[tuple[str, Any]] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise ConversionError(path, f"{_kind(value)} is not an object")
        return [(k, item(v, f"{path}.{k}")) for k, v in value.items()]

    return convert


def _struct(fields: tuple[tuple[str, Convert], ...]) -> Convert:
    def convert(value: Any, path: str) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise ConversionError(path, f"{_kind(value)} is not an object")
        if any(name not in value for name, _ in fields):  # the SerDe matches keys in any case
            lowered = {k.lower(): v for k, v in value.items()}
            return {name: c(lowered.get(name.lower()), f"{path}.{name}") for name, c in fields}
        return {name: c(value[name], f"{path}.{name}") for name, c in fields}

    return convert


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


class _HiveType:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[str] = _TOKEN.findall(text)
        if "".join(self.tokens) != text:
            raise ValueError(f"{text!r} is not a Hive type (stray characters)")
        self.position = 0

    def parse(self) -> pa.DataType:
        parsed = self._type()
        if self.position != len(self.tokens):
            raise ValueError(f"{self.text!r}: unexpected {self.tokens[self.position]!r}")
        return parsed

    def _take(self, expected: str | None = None) -> str:
        if self.position >= len(self.tokens):
            raise ValueError(f"{self.text!r} ends early")
        token = self.tokens[self.position]
        if expected is not None and token != expected:
            raise ValueError(f"{self.text!r}: expected {expected!r}, got {token!r}")
        self.position += 1
        return token

    def _type(self) -> pa.DataType:
        word = self._take()
        if word in _PRIMITIVES:
            return _PRIMITIVES[word]
        self._take("<")
        if word == "array":
            parsed: pa.DataType = pa.list_(self._type())
        elif word == "map":
            key = self._type()
            self._take(",")
            parsed = pa.map_(key, self._type())
        elif word == "struct":
            fields = [self._field()]
            while self.position < len(self.tokens) and self.tokens[self.position] == ",":
                self._take(",")
                fields.append(self._field())
            parsed = pa.struct(fields)
        else:
            raise ValueError(f"{self.text!r}: {word!r} is not a type of the lake's tables")
        self._take(">")
        return parsed

    def _field(self) -> pa.Field[pa.DataType]:
        name = self._take()
        self._take(":")
        return pa.field(name, self._type())
