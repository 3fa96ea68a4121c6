"""The provider simulator keeps one answer per idempotency key: an authorization is made and
charged once per key, the same request gets the kept answer again, another request with the key
is refused, and concurrent requests with one key charge once."""

from __future__ import annotations

import threading

from tests.provider_simulator.support import Answer, Provider


def test_an_authorization_is_created_and_counted_once_per_key(provider: Provider) -> None:
    answer = provider.authorize(key="ordermesh:ord_0000000001:authorize")

    assert answer.status == 201
    assert answer.body["authorizationId"].startswith("auth_")
    assert answer.body["amount"] == {"amount": "12.34", "currency": "EUR"}
    stats = provider.stats()
    assert stats["authorizations"] == 1
    assert stats["charges"] == {"ordermesh:ord_0000000001:authorize": 1}
    assert stats["chargesByOrder"] == {"ord_0000000001": 1}


def test_the_same_key_and_body_get_the_first_answer_again_and_charge_once(
    provider: Provider,
) -> None:
    first = provider.authorize(key="k")
    again = provider.authorize(key="k")

    assert again.status == 201
    assert again.body == first.body
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    stats = provider.stats()
    assert (stats["authorizations"], stats["charges"], stats["replays"]) == (1, {"k": 1}, 1)


def test_the_same_key_with_another_body_or_path_is_refused_and_charges_nothing(
    provider: Provider,
) -> None:
    first = provider.authorize(key="k", amount="12.34")

    other_amount = provider.authorize(key="k", amount="99.00")
    other_path = provider.refund(first.body["authorizationId"], key="k")

    assert other_amount.status == 422
    assert other_amount.body["error"] == "idempotency_key_reused"
    assert other_path.status == 422
    assert other_path.body["error"] == "idempotency_key_reused"
    stats = provider.stats()
    assert (stats["authorizations"], stats["refunds"], stats["idempotencyConflicts"]) == (1, 0, 2)


def test_a_new_key_for_the_same_order_charges_again_which_the_stats_show(
    provider: Provider,
) -> None:
    provider.authorize(key="first")
    provider.authorize(key="second")

    stats = provider.stats()
    assert stats["charges"] == {"first": 1, "second": 1}
    assert stats["chargesByOrder"] == {"ord_0000000001": 2}


def test_concurrent_requests_with_one_key_charge_once(provider: Provider) -> None:
    answers: list[Answer] = []
    lock = threading.Lock()

    def send() -> None:
        answer = provider.authorize(key="racing")
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a.status for a in answers] == [201] * 8
    assert len({a.body["authorizationId"] for a in answers}) == 1
    stats = provider.stats()
    assert stats["charges"] == {"racing": 1}
    assert stats["replays"] == 7
