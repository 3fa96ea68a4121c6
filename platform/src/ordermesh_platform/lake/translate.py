"""Athena (Trino) SQL to DuckDB SQL: sqlglot's translation, and the fixes it lacks.

sqlglot (``read="trino", write="duckdb"``) does most of it: ``from_iso8601_timestamp`` becomes a
cast to ``TIMESTAMPTZ`` (read in UTC: the catalog's connection sets ``TimeZone``),
``date_trunc``, ``date_diff`` and ``count_if`` keep their meaning. What it leaves wrong for the
lake's queries is fixed on its syntax tree, before DuckDB's SQL is written:

- **date arithmetic stays a date.** In Trino ``current_date - interval '7' day`` and
  ``date_add('day', -7, current_date)`` are dates; in DuckDB they are timestamps, whose text
  (``2026-11-28 00:00:00``) sorts after the partition ``2026-11-28`` and drops that day. A date
  plus or minus whole days, weeks, months or years is cast back to ``DATE``.
- **UNNEST of rows into columns.** Trino's ``CROSS JOIN UNNEST(lines) AS line (sku, quantity)``
  makes a column per field of the rows; DuckDB's makes one struct column. It becomes a lateral
  ``(SELECT UNNEST(lines, max_depth := 2)) AS line (sku, quantity)``, which does the same.
- **approx_percentile is exact locally**: ``quantile_disc``, the nearest-rank percentile (the
  least value with at least that share of the values at or below it), so local answers are
  repeatable; Athena's stays approximate.
- **current_date** may be pinned (``today``), so a query over "the last 7 days" has one answer.
- **parameters**: Trino's ``?`` become DuckDB's ``$1``, ``$2``..., numbered in the order they
  appear in the Athena SQL (the header's order), whatever the rewrites do to their positions.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.tokenizer_core import TokenType

READ: Final = "trino"
WRITE: Final = "duckdb"
_WHOLE_DAYS: Final = frozenset({"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"})


class TranslationError(ValueError):
    """Athena SQL sqlglot cannot read: the message has the line and column."""

    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def parse(sql: str) -> list[exp.Expr]:
    """The statements of ``sql`` read as Trino SQL (TranslationError where they are not)."""
    try:
        statements = sqlglot.parse(sql, read=READ, error_level=ErrorLevel.RAISE)
    except ParseError as exc:
        error = exc.errors[0] if exc.errors else {}
        raise TranslationError(
            f"not Athena (Trino) SQL: {error.get('description') or exc}",
            error.get("line"),
            error.get("col"),
        ) from exc
    return [s for s in statements if s is not None]


def to_duckdb(sql: str, *, today: date | None = None) -> str:
    """``sql`` (one Athena statement) as DuckDB SQL, with the fixes above."""
    statements = parse(sql)
    if len(statements) != 1:
        raise TranslationError(f"one statement expected, found {len(statements)}", None, None)
    if any(True for _ in statements[0].find_all(exp.Placeholder)):
        (tree,) = parse(_numbered_placeholders(sql))
        tree = tree.transform(_parameter)
    else:
        (tree,) = statements
    tree = annotate_types(tree, dialect=READ)
    tree = tree.transform(_dates_stay_dates)
    tree = tree.transform(_unnest_rows)
    tree = tree.transform(_exact_percentile)
    if today is not None:
        pinned = today
        tree = tree.transform(lambda node: _pin_today(node, pinned))
    return tree.sql(dialect=WRITE)


def _numbered_placeholders(sql: str) -> str:
    """Each ``?`` as ``:p1``, ``:p2``... in the order of the text (the tree's order differs)."""
    parts, start, number = [], 0, 0
    for token in Dialect.get_or_raise(READ).tokenize(sql):
        if token.token_type == TokenType.PLACEHOLDER and sql[token.start : token.end + 1] == "?":
            number += 1
            parts += [sql[start : token.start], f":p{number}"]
            start = token.end + 1
    return "".join([*parts, sql[start:]])


def _parameter(node: exp.Expression) -> exp.Expression:
    """``:pN`` as DuckDB's ``$N``."""
    if isinstance(node, exp.Placeholder) and node.name.startswith("p"):
        return exp.Parameter(this=exp.Literal.number(int(node.name[1:])))
    return node


def _is_date(node: exp.Expression | None) -> bool:
    return node is not None and node.type is not None and node.type.is_type(exp.DataType.Type.DATE)


def _unit(node: exp.Expression) -> str:
    unit = node.args.get("unit")
    return unit.name.upper() if unit is not None else ""


def _dates_stay_dates(node: exp.Expression) -> exp.Expression:
    whole_days = False
    if isinstance(node, exp.DateAdd | exp.DateSub):
        whole_days = _is_date(node.this) and _unit(node) in _WHOLE_DAYS
    elif isinstance(node, exp.Add | exp.Sub) and isinstance(node.expression, exp.Interval):
        whole_days = _is_date(node.this) and _unit(node.expression) in _WHOLE_DAYS
    if not whole_days:
        return node
    return exp.cast(node.copy(), exp.DataType.build("DATE"))


def _unnest_rows(node: exp.Expression) -> exp.Expression:
    if not isinstance(node, exp.Unnest) or len(node.expressions) != 1:
        return node
    alias = node.args.get("alias")
    if not isinstance(alias, exp.TableAlias) or len(alias.columns) < 2:  # noqa: PLR2004
        return node
    spread = exp.Anonymous(
        this="UNNEST",
        expressions=[
            node.expressions[0].copy(),
            exp.Kwarg(this=exp.var("max_depth"), expression=exp.Literal.number(2)),
        ],
    )
    select = exp.select(spread)
    return exp.Lateral(this=exp.Subquery(this=select), alias=alias.copy())


def _exact_percentile(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.ApproxQuantile):
        return exp.Anonymous(
            this="QUANTILE_DISC", expressions=[node.this.copy(), node.args["quantile"].copy()]
        )
    return node


def _pin_today(node: exp.Expression, today: date) -> exp.Expression:
    if isinstance(node, exp.CurrentDate):
        return exp.cast(exp.Literal.string(today.isoformat()), exp.DataType.build("DATE"))
    return node
