"""The dashboard in a real headless browser (the machine's Chromium, driven by Playwright) during
a demo run: the charts are drawn, the figures are the demo's, the page follows new orders
without a reload, and a screenshot is kept in ``test-artifacts/`` (``ORDERMESH_TEST_ARTIFACTS``
names another folder). Skipped, saying why, where no Chromium is installed."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from ordermesh_platform.cli.system import demo_orders
from ordermesh_platform.system import LocalSystem

from tests.e2e.browser import artifacts, browser_page, wait_for_text
from tests.e2e.conftest import Client, order_body

CHARTS = ("orders", "outcomes", "revenue", "declines", "latency")
DEMO_ORDERS = 10


@pytest.fixture
def page() -> Iterator[Any]:
    with browser_page() as opened:
        yield opened


def run_demo(client: Client) -> list[dict[str, Any]]:
    """The demo's mix of orders, placed over the order API and settled."""
    placed = [client.place(body) for _, body in demo_orders(DEMO_ORDERS)]
    return [client.settled(order["orderId"], timeout=30) for order in placed]


def test_the_dashboard_shows_the_demo_and_follows_new_orders(
    page: Any, client: Client, system: LocalSystem
) -> None:
    # Given a demo run: its orders placed and settled
    orders = run_demo(client)
    confirmed = [o for o in orders if o["status"] == "CONFIRMED"]
    revenue = sum(Decimal(o["total"]["amount"]) for o in confirmed)
    assert 0 < len(confirmed) < DEMO_ORDERS  # the mix has cancelled orders too
    # When the dashboard is opened
    page.goto(f"{system.url}/dashboard?refresh=500")
    for chart in CHARTS:
        page.wait_for_selector(f"#chart-{chart}[data-ready='true'] svg")
    # Then its figures are the demo's: orders counted equal the orders placed
    wait_for_text(page, "#orders-placed", str(DEMO_ORDERS))
    wait_for_text(page, "#orders-confirmed", str(len(confirmed)))
    wait_for_text(page, "#orders-cancelled", str(DEMO_ORDERS - len(confirmed)))
    assert page.text_content("#revenue") == f"{revenue} EUR"
    assert page.get_attribute("#chart-orders", "data-total") == str(DEMO_ORDERS)
    assert page.locator("#chart-orders rect").count() >= 1
    assert page.locator("#chart-latency polyline").count() == 3  # p50, p95, p99
    declined = sum(
        1 for o in orders if (o.get("cancellation") or {}).get("reason") == "PAYMENT_DECLINED"
    )
    # (payments are attempted for the orders confirmed and those declined)
    rate = Decimal(100 * declined) / (len(confirmed) + declined)
    assert page.text_content("#decline-rate") == f"{rate:.1f}%"
    # and the operations: the consumer, the dead-letter queues, the breakers
    assert "analytics-kpis" in page.text_content("#consumers")
    assert "payment-authorize-dlq" in page.text_content("#dlqs")
    assert "CLOSED" in page.text_content("#breakers")
    assert page.is_hidden("#problem")
    # When one more order is placed, the open page follows it without a reload
    client.settled(client.place(order_body())["orderId"])
    wait_for_text(page, "#orders-placed", str(DEMO_ORDERS + 1))
    page.screenshot(path=str(artifacts() / "dashboard.png"), full_page=True)
