"""The event catalog in a real headless browser, served by the running system at ``/catalog``:
a field is searched for, its result leads to the event version's page, which shows the version's
producers and consumers, who reads the field, and the events per minute the system saw lately.
Skipped, saying why, where no Chromium is installed."""

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


def test_a_field_searched_for_leads_to_its_event_with_producers_and_consumers(
    page: Any, client: Client, system: LocalSystem
) -> None:
    # Given a running system that confirmed an order (the saga published OrderSagaSucceeded@1)
    assert client.settled(client.place(order_body())["orderId"])["status"] == "CONFIRMED"
    # When the catalog is opened and a field searched for
    page.goto(f"{system.url}/catalog")
    assert page.url == f"{system.url}/catalog/"
    page.fill("#search", "reservationId")
    result = page.locator("#search-results li", has_text="OrderSagaSucceeded@1").locator("a")
    assert result.text_content() == "data.reservationId"
    # and its result followed
    result.click()
    page.wait_for_url("**/events/saga/OrderSagaSucceeded/v1.html#field-data.reservationId")
    # Then the event version's page shows its producer and its consumers with their patterns
    assert page.text_content("#event-title") == "OrderSagaSucceeded@1"
    assert page.locator("#producers + ul li").all_text_contents() == ["platform"]
    consumers = page.locator("#consumers + table tr.consumer")
    assert "subscription saga-succeeded" in consumers.filter(has_text="order").first.text_content()
    assert page.locator("tr.consumer[data-service='analytics']").count() == 1
    # and who reads the field, and the events per minute seen lately on this system
    row = page.locator("[id='field-data.reservationId']")
    assert "order/saga-succeeded" in row.text_content()
    page.wait_for_selector("#rate[data-ready='true']")
    assert not page.text_content("#rate").startswith("0 ")
    page.screenshot(path=str(artifacts() / "catalog-event.png"), full_page=True)
