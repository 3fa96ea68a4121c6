"""Reply events -> the waiting saga step's resumption (``saga.replies.decide``): refusals fail
the step with an error named after the event and a compact ``{"code", "message"}`` cause; every
other reply succeeds it with the event's data; an event without a task token resumes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ordermesh_platform.saga.replies import Failure, Success, decide

TOKEN = "AQCEAAAAKgAAAAMAAAAA-token"


def _reply(detail_type: str, data: dict[str, Any] | None, token: Any = TOKEN) -> dict[str, Any]:
    metadata: dict[str, Any] = {"eventId": "3a88cc88", "correlationId": "ord_01JDC5R8W2PX"}
    if token is not None:
        metadata["taskToken"] = token
    detail: dict[str, Any] = {"metadata": metadata}
    if data is not None:
        detail["data"] = data
    return {"detail-type": detail_type, "source": "ordermesh.inventory", "detail": detail}


def test_a_reserved_reply_succeeds_the_step_with_the_event_data() -> None:
    data = {"orderId": "ord_01JDC5R8W2PX", "reservationId": "res-1", "expiresAt": "2026-11-22"}
    decision = decide(_reply("InventoryReserved", data))
    assert decision == Success(TOKEN, data)


def test_the_success_output_is_a_copy_of_the_event_data() -> None:
    data = {"orderId": "ord_01JDC5R8W2PX"}
    decision = decide(_reply("PaymentAuthorized", data))
    assert isinstance(decision, Success)
    decision.output["extra"] = 1
    assert data == {"orderId": "ord_01JDC5R8W2PX"}


def test_a_reply_without_data_succeeds_with_an_empty_output() -> None:
    assert decide(_reply("OrderConfirmed", None)) == Success(TOKEN, {})


def test_an_event_without_a_detail_type_is_a_success() -> None:
    event = _reply("ignored", {"a": 1})
    del event["detail-type"]
    assert decide(event) == Success(TOKEN, {"a": 1})


def test_a_rejected_reservation_fails_the_step_naming_each_rejected_line() -> None:
    data = {
        "orderId": "ord_01JDC5R8W2PX",
        "reason": "INSUFFICIENT_STOCK",
        "rejectedLines": [
            {"sku": "BULB-E27-LED", "requested": 4, "available": 1, "reason": "INSUFFICIENT_STOCK"},
            {"sku": "CANDLE-SOY-200G", "requested": 2, "available": 0, "reason": "UNKNOWN_SKU"},
        ],
    }
    decision = decide(_reply("InventoryReservationRejected", data))
    assert isinstance(decision, Failure)
    assert (decision.task_token, decision.error) == (TOKEN, "InventoryReservationRejected")
    assert decision.cause == (
        '{"code":"INSUFFICIENT_STOCK","message":"inventory rejected the reservation '
        '(BULB-E27-LED: INSUFFICIENT_STOCK; CANDLE-SOY-200G: UNKNOWN_SKU)"}'
    )


def test_a_rejection_without_reason_or_lines_has_the_default_code_and_message() -> None:
    decision = decide(_reply("InventoryReservationRejected", {"orderId": "ord_01JDC5R8W2PX"}))
    assert isinstance(decision, Failure)
    assert json.loads(decision.cause) == {
        "code": "REJECTED",
        "message": "inventory rejected the reservation",
    }


def test_rejected_lines_that_are_not_objects_are_left_out_of_the_message() -> None:
    data = {"reason": "UNKNOWN_SKU", "rejectedLines": ["MUG", {"sku": "MUG", "reason": "GONE"}]}
    decision = decide(_reply("InventoryReservationRejected", data))
    assert isinstance(decision, Failure)
    assert json.loads(decision.cause)["message"] == (
        "inventory rejected the reservation (MUG: GONE)"
    )


def test_a_declined_payment_fails_the_step_with_the_decline_code_and_message() -> None:
    data = {
        "orderId": "ord_01JD7Q4K2M9T",
        "declineCode": "INSUFFICIENT_FUNDS",
        "message": "The card has insufficient funds to complete the purchase.",
        "retryable": False,
    }
    decision = decide(_reply("PaymentDeclined", data))
    assert decision == Failure(
        TOKEN,
        "PaymentDeclined",
        '{"code":"INSUFFICIENT_FUNDS",'
        '"message":"The card has insufficient funds to complete the purchase."}',
    )


def test_a_decline_without_code_or_message_has_the_defaults() -> None:
    decision = decide(_reply("PaymentDeclined", {"orderId": "ord_01JD7Q4K2M9T"}))
    assert isinstance(decision, Failure)
    assert json.loads(decision.cause) == {
        "code": "DECLINED",
        "message": "the payment was declined",
    }


@pytest.mark.parametrize("token", [None, "", 42, ["tok"]], ids=["absent", "empty", "int", "list"])
def test_a_reply_without_a_usable_task_token_resumes_nothing(token: Any) -> None:
    assert decide(_reply("PaymentDeclined", {"declineCode": "X"}, token=token)) is None


def test_an_event_without_detail_or_metadata_resumes_nothing() -> None:
    assert decide({"detail-type": "InventoryReserved"}) is None
    assert decide({"detail-type": "InventoryReserved", "detail": {"data": {"a": 1}}}) is None
    assert decide({"detail": {"metadata": None}}) is None
