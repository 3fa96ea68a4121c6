"""The data lake's named queries: one Athena (Trino) SQL file per query, read once for both places.

A query file is ``<folder>/<name>.sql``. It opens with a header of comment lines, then the SQL::

    -- description: Orders placed per hour (UTC), over the last `days` delivery days
    -- param: days (integer, default 7): delivery days before today to include (today is day 0)
    SELECT ... WHERE "date" >= cast(date_add('day', -?, current_date) AS varchar) ...

- ``description:`` (exactly one) is the Athena named query's description (at most 1024
  characters); it may go on over the following ``--`` lines, indented (``--   more text``).
- ``param:`` lines declare the parameters in the order of the ``?`` placeholders of the SQL, one
  ``?`` each: Athena's execution parameters are positional. A type is ``integer``, ``double``,
  ``varchar`` or ``date``; the default is optional (a parameter without one must be given).

The CDK deploys each file (header included, so the console shows what the parameters mean) as an
``AWS::Athena::NamedQuery``; the local runtime translates the SQL to DuckDB and binds the same
parameters. Pure Python: the CDK app imports it without the query engines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

MAX_DESCRIPTION: Final = 1024  # AWS::Athena::NamedQuery Description
MAX_QUERY: Final = 262_144  # AWS::Athena::NamedQuery QueryString
TYPES: Final = ("integer", "double", "varchar", "date")
_NAME: Final = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_KEY: Final = re.compile(r"-- ?(?P<key>[a-z]+):\s*(?P<value>.*)$")  # continuations: indented
_PARAM: Final = re.compile(
    r"(?P<name>[a-z_][a-z0-9_]*) \((?P<type>[a-z]+)(?:, default (?P<default>[^)]*))?\):"
    r" (?P<meaning>\S.*)"
)
PARAM_FORM: Final = "param: NAME (TYPE[, default VALUE]): MEANING"
# What a ``?`` cannot be inside: string literals, quoted identifiers and comments.
_NOT_CODE: Final = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)


class QueryFileError(ValueError):
    """A malformed query file: ``path`` and ``line`` (1-based; 0 for the file as a whole)."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


class ParameterError(ValueError):
    """A parameter value that is not of its type, or one that is unknown or missing."""


@dataclass(frozen=True)
class QueryParameter:
    name: str
    type: str  # one of TYPES
    default: str | None  # as written in the header; None: it must be given
    meaning: str

    def value(self, text: str) -> int | float | str | date:
        """``text`` as a value of this parameter's type (ParameterError says what was expected)."""
        try:
            if self.type == "integer":
                return int(text)
            if self.type == "double":
                return float(text)
            if self.type == "date":
                return date.fromisoformat(text)
        except ValueError:
            raise ParameterError(f"{self.name}: {text!r} is not {_EXPECTED[self.type]}") from None
        return text

    def athena_literal(self, text: str) -> str:
        """The execution parameter Athena takes for ``text``: a SQL literal of the type."""
        value = self.value(text)
        if self.type == "varchar":
            return "'" + str(value).replace("'", "''") + "'"
        if self.type == "date":
            return f"DATE '{value}'"
        return str(value)


_EXPECTED: Final = {
    "integer": "an integer (like 7)",
    "double": "a number (like 0.5)",
    "varchar": "text",
    "date": "a date (YYYY-MM-DD)",
}


@dataclass(frozen=True)
class NamedQuery:
    name: str  # the file's stem: ``orders-per-hour``
    description: str
    parameters: tuple[QueryParameter, ...]
    text: str  # the whole file: what Athena's named query holds
    path: Path

    @property
    def sql(self) -> str:
        """The SQL without its header."""
        return _body(self.text)

    def values(self, given: Mapping[str, str]) -> list[int | float | str | date]:
        """The placeholders' values, in order: ``given`` (text) over the defaults."""
        known = {p.name for p in self.parameters}
        if unknown := sorted(set(given) - known):
            expected = ", ".join(sorted(known)) or "no parameters"
            raise ParameterError(
                f"{self.name} has no parameter {unknown[0]!r} (it takes {expected})"
            )
        values: list[int | float | str | date] = []
        for parameter in self.parameters:
            text = given.get(parameter.name, parameter.default)
            if text is None:
                raise ParameterError(
                    f"{self.name}: {parameter.name} has no default: give it "
                    f"({parameter.type}: {parameter.meaning})"
                )
            values.append(parameter.value(text))
        return values


def load_queries(folder: Path) -> list[NamedQuery]:
    """Every ``*.sql`` file of ``folder``, by name; QueryFileError names a malformed one."""
    if not folder.is_dir():
        raise QueryFileError(folder, 0, "no such folder of named queries")
    return [load_query(path) for path in sorted(folder.glob("*.sql"))]


def load_query(path: Path) -> NamedQuery:
    if not _NAME.fullmatch(path.stem):
        raise QueryFileError(path, 0, f"{path.stem!r} is not a query name like orders-per-hour")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryFileError(path, 0, f"cannot read it: {exc}") from exc
    description, parameters = _header(path, text)
    body = _body(text)
    if not body.strip():
        raise QueryFileError(path, len(text.splitlines()) + 1, "no SQL after the header")
    if len(text) > MAX_QUERY:
        raise QueryFileError(path, 0, f"{len(text)} characters: Athena takes {MAX_QUERY}")
    placeholders = _NOT_CODE.sub(" ", body).count("?")
    if placeholders != len(parameters):
        raise QueryFileError(
            path,
            0,
            f"the SQL has {placeholders} '?' placeholder(s) and the header declares "
            f"{len(parameters)} parameter(s): one '?' per parameter, in the header's order",
        )
    return NamedQuery(path.stem, description, tuple(parameters), text, path)


def _header_lines(text: str) -> list[tuple[int, str]]:
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("--"):
            break
        lines.append((number, line.rstrip()))
    return lines


def _body(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(lines[len(_header_lines(text)) :])


def _header(path: Path, text: str) -> tuple[str, list[QueryParameter]]:
    description: list[str] | None = None
    parameters: list[QueryParameter] = []
    current: list[str] | None = None  # where a continuation line goes
    for number, line in _header_lines(text):
        matched = _KEY.match(line)
        if matched is None:
            continued = line.removeprefix("--").strip()
            if continued and current is None:
                raise QueryFileError(
                    path, number, f"a header line is 'description: ...' or '{PARAM_FORM}'"
                )
            if continued and current is not None:
                current.append(continued)
            continue
        key, value = matched["key"], matched["value"].strip()
        if key == "description":
            if description is not None:
                raise QueryFileError(path, number, "a second description")
            description = current = [value] if value else []
        elif key == "param":
            parameters.append(_parameter(path, number, value, parameters))
            current = None
        else:
            raise QueryFileError(path, number, f"unknown header key {key!r} (description, param)")
    if not description:
        raise QueryFileError(path, 1, "the header has no 'description: ...' line")
    joined = " ".join(description)
    if len(joined) > MAX_DESCRIPTION:
        raise QueryFileError(
            path, 1, f"description is {len(joined)} characters; Athena takes {MAX_DESCRIPTION}"
        )
    return joined, parameters


def _parameter(path: Path, number: int, text: str, earlier: list[QueryParameter]) -> QueryParameter:
    matched = _PARAM.fullmatch(text)
    if matched is None:
        raise QueryFileError(path, number, f"malformed parameter {text!r}: write '{PARAM_FORM}'")
    name, kind, default = matched["name"], matched["type"], matched["default"]
    if kind not in TYPES:
        raise QueryFileError(
            path, number, f"{name}: type {kind!r} is not one of {', '.join(TYPES)}"
        )
    if any(p.name == name for p in earlier):
        raise QueryFileError(path, number, f"{name} is declared twice")
    parameter = QueryParameter(name, kind, default, matched["meaning"].strip())
    if default is not None:
        try:
            parameter.value(default)
        except ParameterError as exc:
            raise QueryFileError(path, number, f"default of {exc}") from None
    return parameter
