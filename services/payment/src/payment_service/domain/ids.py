"""Deterministic identifiers and idempotency keys.

Every id the service assigns is derived from the order id, so a re-delivered command (or a retry
after a crash between the provider call and the write) produces the same payment id, the same
refund id and the same idempotency key: the provider never charges twice for one order.
"""

from __future__ import annotations

import hashlib

_ID_LENGTH = 24  # hex characters; the contracts allow 8 to 32 after the prefix


def _digest(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:_ID_LENGTH]


def payment_id_for(order_id: str) -> str:
    """``pay_`` and the order id's own characters (``ord_8fK2...`` -> ``pay_8fK2...``).

    The saga derives it the same way (``States.StringSplit`` on ``_``) to void the payment of an
    authorization that timed out: RefundPayment needs a payment id though no reply gave one.
    """
    return f"pay_{order_id.partition('_')[2]}"


def refund_id_for(order_id: str) -> str:
    return f"ref_{_digest('refund', order_id)}"


def authorize_key(order_id: str) -> str:
    """Idempotency key of the one authorization of an order."""
    return f"ordermesh:{order_id}:authorize"


def refund_key(order_id: str) -> str:
    """Idempotency key of the one refund of an order's payment."""
    return f"ordermesh:{order_id}:refund"
