"""Every named query, run locally on a generated lake, gives the answer computed in plain Python
from the same events; the time windows are parameters with defaults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from ordermesh_platform.lake.catalog import LakeCatalog
from ordermesh_platform.lake.project import LocalLake
from ordermesh_platform.lake.sql import run_named
from tests.lake import reference
from tests.lake.conftest import TODAY

Answer = Callable[..., list[tuple[Any, ...]]]
EXPECTED: dict[str, Answer] = {
    "orders-per-hour": reference.orders_per_hour,
    "saga-failure-reasons": reference.saga_failure_reasons,
    "revenue-by-currency": reference.revenue_by_currency,
    "order-funnel-per-hour": reference.order_funnel_per_hour,
    "average-order-value": reference.average_order_value,
    "top-skus-by-units": reference.top_skus_by_units,
    "top-skus-by-revenue": reference.top_skus_by_revenue,
    "saga-duration-percentiles": reference.saga_duration_percentiles,
    "compensations-by-reason": reference.compensations_by_reason,
    "decline-codes-per-hour": reference.decline_codes_per_hour,
}
# Each query with its defaults, and with other values of its parameters.
CASES = [(name, {}) for name in EXPECTED] + [
    ("orders-per-hour", {"days": "2"}),
    ("saga-failure-reasons", {"days": "0"}),
    ("revenue-by-currency", {"days": "5"}),
    ("order-funnel-per-hour", {"days": "3"}),
    ("average-order-value", {"days": "4"}),
    ("top-skus-by-units", {"days": "3", "top": "4"}),
    ("top-skus-by-revenue", {"days": "6", "currency": "GBP", "top": "3"}),
    ("saga-duration-percentiles", {"days": "1"}),
    ("compensations-by-reason", {"days": "2"}),
    ("decline-codes-per-hour", {"days": "1"}),
]


def _rows(table: Any) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in table.to_pylist()]


def test_every_named_query_has_an_independent_answer(generated_lake: LocalLake) -> None:
    assert sorted(generated_lake.queries()) == sorted(EXPECTED)


@pytest.mark.parametrize(("name", "given"), CASES, ids=[f"{n}{g or ''}" for n, g in CASES])
def test_the_named_query_answers_as_computed_in_python(
    name: str,
    given: dict[str, str],
    generated_lake: LocalLake,
    catalog: LakeCatalog,
    generated_events: list[dict[str, Any]],
) -> None:
    # Given a lake of generated orders and one named query with its parameters
    query = generated_lake.queries()[name]
    # When it runs locally with today pinned
    got = _rows(run_named(catalog, query, given, today=TODAY))
    # Then it answers as plain Python does from the same events
    expected = EXPECTED[name](generated_events, TODAY, *query.values(given))
    assert expected, f"{name}{given}: the data set gives this query nothing to count"
    if name == "average-order-value":  # the mean is a double rounded to cents
        assert [r[:4] for r in got] == [r[:4] for r in expected]
        for row, exact in zip(got, expected, strict=True):
            assert abs(row[4] - float(exact[4])) <= 0.005 + 1e-9, (row, exact)
    elif name == "order-funnel-per-hour":
        assert [r[:3] for r in got] == [r[:3] for r in expected]
        assert [r[3] for r in got] == pytest.approx([r[3] for r in expected], rel=1e-12)
    else:
        assert got == expected


def test_the_window_is_counted_back_from_today(
    generated_lake: LocalLake, catalog: LakeCatalog
) -> None:
    query = generated_lake.queries()["revenue-by-currency"]
    days = {row["day"] for row in run_named(catalog, query, {"days": "2"}, today=TODAY).to_pylist()}
    assert days == {"2026-12-02", "2026-12-03", "2026-12-04"}
    later = run_named(catalog, query, {"days": "2"}, today=date(2026, 12, 5)).to_pylist()
    assert {row["day"] for row in later} == {"2026-12-03", "2026-12-04"}
