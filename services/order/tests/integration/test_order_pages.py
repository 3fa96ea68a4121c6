"""A customer's orders, page by page, in every store (in memory, SQLite and DynamoDB through
moto): newest first, a token only where more orders follow, orders placed at the same time by id,
and a page token the store did not give refused; then DynamoDB filling a page across its query
pages."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from order_service.adapters.dynamodb import DynamoDbDatabase, DynamoDbUnitOfWork

from .support import MakeUow, _add, _order


def _pages(make_uow: MakeUow, customer: str, limit: int) -> list[list[str]]:
    pages, token = [], None
    while True:
        with make_uow() as uow:
            page = uow.orders.by_customer(customer, limit=limit, token=token)
        pages.append([o.order_id for o in page.orders])
        token = page.next_token
        if token is None:
            return pages


def test_orders_page_newest_first_per_customer(make_uow: MakeUow) -> None:
    _add(
        make_uow,
        *(_order(f"ord_0000000{n}", minutes=n) for n in range(5)),
        _order("ord_00000009", customer="cus_OTHER1"),
    )
    assert _pages(make_uow, "cus_8H2KQ1", 2) == [
        ["ord_00000004", "ord_00000003"],
        ["ord_00000002", "ord_00000001"],
        ["ord_00000000"],
    ]
    assert _pages(make_uow, "cus_OTHER1", 2) == [["ord_00000009"]]
    assert _pages(make_uow, "cus_NOBODY", 2) == [[]]


def test_a_page_has_a_token_only_when_more_orders_follow(make_uow: MakeUow) -> None:
    _add(make_uow, *(_order(f"ord_0000000{n}", minutes=n) for n in range(4)))
    assert _pages(make_uow, "cus_8H2KQ1", 2) == [
        ["ord_00000003", "ord_00000002"],
        ["ord_00000001", "ord_00000000"],
    ]
    assert _pages(make_uow, "cus_8H2KQ1", 4) == [
        ["ord_00000003", "ord_00000002", "ord_00000001", "ord_00000000"]
    ]


@pytest.mark.parametrize("token", ["-1", "true", "null", "[1]", '["a", 2]', "{}", "abc"])
def test_a_page_token_the_store_did_not_give_is_a_value_error(
    make_uow: MakeUow, token: str
) -> None:
    # found by fuzzing GET /orders: the SQLite store bound whatever JSON the token held (a 500)
    with make_uow() as uow, pytest.raises(ValueError, match="page token"):
        uow.orders.by_customer("cus_8H2KQ1", limit=2, token=token)


def test_orders_placed_at_the_same_time_page_by_id_descending(make_uow: MakeUow) -> None:
    _add(
        make_uow,
        *(_order(f"ord_0000000{n}") for n in (2, 5, 1)),
        _order("ord_00000007", minutes=-1),
    )
    assert _pages(make_uow, "cus_8H2KQ1", 2) == [
        ["ord_00000005", "ord_00000002"],
        ["ord_00000001", "ord_00000007"],
    ]


def test_a_page_is_filled_across_dynamodb_query_pages(
    table: DynamoDbDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_uow = partial(DynamoDbUnitOfWork, table)
    _add(make_uow, *(_order(f"ord_0000000{n}", minutes=n) for n in range(5)))
    query = table.client.query
    calls: list[dict[str, Any]] = []

    def one_item_at_a_time(**request: Any) -> Any:
        calls.append(request)
        return query(**{**request, "Limit": 1})

    monkeypatch.setattr(table.client, "query", one_item_at_a_time)
    assert _pages(make_uow, "cus_8H2KQ1", 3) == [
        ["ord_00000004", "ord_00000003", "ord_00000002"],
        ["ord_00000001", "ord_00000000"],
    ]
    # the first page wants 3 orders and a 4th (to know more follow): a query for each, asking
    # for what is still missing
    assert [call["Limit"] for call in calls[:4]] == [4, 3, 2, 1]
    assert all(":after" in call["ExpressionAttributeValues"] for call in calls[4:])


def test_a_malformed_page_token_is_refused(table: DynamoDbDatabase) -> None:
    with DynamoDbUnitOfWork(table) as uow, pytest.raises(ValueError, match="page token"):
        uow.orders.by_customer("cus_8H2KQ1", limit=2, token='["2026-11-22", "ord_1"]')
