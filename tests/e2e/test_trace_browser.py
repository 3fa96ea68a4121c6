"""The order trace page in a real headless browser (the machine's Chromium, driven by
Playwright): an order placed on the running system is drawn as a waterfall, one row per span,
the saga's states and the provider call among them, and a screenshot is kept in
``test-artifacts/trace.png``. Skipped, saying why, where no Chromium is installed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ordermesh_platform.system import LocalSystem

from tests.e2e.browser import artifacts, browser_page
from tests.e2e.conftest import Client, order_body


@pytest.fixture
def page() -> Iterator[Any]:
    with browser_page() as opened:
        yield opened


def test_the_trace_page_draws_an_orders_waterfall(
    page: Any, client: Client, system: LocalSystem
) -> None:
    # Given an order placed and confirmed
    order_id = client.place(order_body())["orderId"]
    assert client.settled(order_id)["status"] == "CONFIRMED"
    _, trace, _ = client.request("GET", f"/platform/trace/{order_id}")
    # When an operator opens its trace
    page.goto(f"{system.url}/trace/{order_id}")
    page.wait_for_selector("body[data-ready='true']")
    # Then every span of the trace is a row with its bar, in the same order
    rows = page.locator("#waterfall tbody tr")
    assert rows.count() == len(trace["spans"])
    assert page.locator("#waterfall tbody tr td.bars svg rect").count() == len(trace["spans"])
    names = [name.strip() for name in page.locator("#waterfall td.name").all_text_contents()]
    assert names[:2] == [s["name"] for s in trace["spans"][:2]]
    kinds = set(
        page.eval_on_selector_all("#waterfall tbody tr", "rows => rows.map(r => r.dataset.kind)")
    )
    assert {"request", "event", "delivery", "invocation", "execution", "state", "provider"} <= kinds
    assert "AuthorizePayment" in names
    assert page.locator("tr.gap").count() == 0
    assert page.is_hidden("#gaps")
    page.screenshot(path=str(artifacts() / "trace.png"), full_page=True)


def test_the_trace_page_says_when_an_order_is_unknown(page: Any, system: LocalSystem) -> None:
    page.goto(f"{system.url}/trace/ord_UNKNOWN")
    page.wait_for_selector("body[data-ready='true']")
    assert page.text_content("#summary") == "nothing is known of this order"
