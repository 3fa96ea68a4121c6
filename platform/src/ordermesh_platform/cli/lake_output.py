"""How ``ordermesh lake`` prints a result: a rich table, CSV, JSON or Parquet, on the console or
into ``--output``."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import typer
from rich.markup import escape
from rich.table import Table

from ordermesh_platform.cli.common import console


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"


def check_output(output_format: Format, output: Path | None) -> None:
    """Bad usage before any work: Parquet is binary, it goes to a file."""
    if output_format is Format.PARQUET and output is None:
        raise typer.BadParameter("--format parquet writes a file: give --output FILE")


def show(result: pa.Table, output_format: Format, output: Path | None, *, title: str = "") -> None:
    """``result`` in ``output_format``, into ``output`` if given, else on the console."""
    if output_format is Format.PARQUET:
        assert output is not None  # noqa: S101 - check_output ran first
        pq.write_table(result, output)
        return
    rows = result.to_pylist()
    if output_format is Format.TABLE and output is None:
        table = Table(*(escape(name) for name in result.column_names), title=title or None)
        for row in rows:
            table.add_row(*(escape(_text(value)) for value in row.values()))
        console.print(table)
        console.print(f"{len(rows)} row(s)", style="dim")
        return
    text = _json(rows) if output_format is Format.JSON else _csv(result.column_names, rows)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_text(value) for value in row.values()] for row in rows)
    return buffer.getvalue()


def _json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, default=_plain, ensure_ascii=False, indent=2) + "\n"


def _plain(value: object) -> object:
    """Values JSON has no type for: decimals as their exact text, times in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _text(value: object) -> str:
    """A cell: empty for null, ISO times, exact decimals, JSON for structs, lists and maps."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=_plain, ensure_ascii=False)
    plain = _plain(value) if isinstance(value, Decimal | datetime | date | bytes) else value
    return str(plain)
