"""What a service's reply means to the saga step waiting for it.

A reply is an ordinary event whose metadata echoes the command's task token. Replies that
refuse (InventoryReservationRejected, PaymentDeclined) fail the step with an error named after
the event and a cause that is the ``{"code", "message"}`` the saga puts in OrderSagaFailed; every
other reply succeeds the step with the event's data as the step's result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Success:
    task_token: str
    output: dict[str, Any]


@dataclass(frozen=True)
class Failure:
    task_token: str
    error: str
    cause: str


Decision = Success | Failure


def _rejection(data: Mapping[str, Any]) -> dict[str, str]:
    lines = data.get("rejectedLines") or []
    parts = [f"{line.get('sku')}: {line.get('reason')}" for line in lines if isinstance(line, dict)]
    message = "inventory rejected the reservation"
    return {
        "code": str(data.get("reason") or "REJECTED"),
        "message": f"{message} ({'; '.join(parts)})" if parts else message,
    }


def _decline(data: Mapping[str, Any]) -> dict[str, str]:
    return {
        "code": str(data.get("declineCode") or "DECLINED"),
        "message": str(data.get("message") or "the payment was declined"),
    }


_REFUSALS = {"InventoryReservationRejected": _rejection, "PaymentDeclined": _decline}


def decide(event: Mapping[str, Any]) -> Decision | None:
    """The step's resumption for a reply event; ``None`` if the event carries no task token."""
    detail = event.get("detail") or {}
    token = (detail.get("metadata") or {}).get("taskToken")
    if not isinstance(token, str) or not token:
        return None
    data = detail.get("data") or {}
    detail_type = str(event.get("detail-type", ""))
    refusal = _REFUSALS.get(detail_type)
    if refusal is not None:
        cause = json.dumps(refusal(data), separators=(",", ":"))
        return Failure(token, detail_type, cause)
    return Success(token, dict(data))
