from __future__ import annotations

import re

from payment_service.domain import ids


def test_ids_are_deterministic_per_order_and_match_the_contract_patterns() -> None:
    order = "ord_01JDK2V9N4RY"

    assert ids.payment_id_for(order) == ids.payment_id_for(order)
    assert ids.payment_id_for(order) != ids.payment_id_for("ord_01JDK2V9N4RZ")
    assert re.fullmatch(r"pay_[0-9A-Za-z]{8,32}", ids.payment_id_for(order))
    assert re.fullmatch(r"ref_[0-9A-Za-z]{8,32}", ids.refund_id_for(order))


def test_idempotency_keys_differ_per_operation_and_not_per_delivery() -> None:
    order = "ord_01JDK2V9N4RY"

    assert ids.authorize_key(order) == ids.authorize_key(order)
    assert ids.authorize_key(order) != ids.refund_key(order)
