"""The payment provider over HTTP (JSON), with a urllib3 connection pool.

The API (the one ``ordermesh_platform.provider_simulator`` serves)::

    POST /v1/authorizations               {"orderId", "amount": {"amount", "currency"},
                                           "customerId"}
        201 {"authorizationId"} | 402 {"declineCode", "message"}
    POST /v1/authorizations/{id}/refunds  {"amount": {"amount", "currency"}}
        201 {"refundId"} | 404, 409 or 422 {"error", "message"}: refused for good

Every request carries ``Authorization: Bearer <key>`` and the caller's ``Idempotency-Key``; the
provider answers a repeated key with its first answer, so retrying is always safe.

How answers map onto the port:

- timeouts, connection errors, 5xx, 408 and 429 raise ``ProviderTransientError``, and so does a
  2xx whose body is not the expected JSON (the provider may have acted; a retry with the same key
  returns its answer);
- 402 is a ``ProviderDecline``; a decline code outside ``DeclineCode`` becomes ``CARD_DECLINED``
  with the provider's code kept in the message;
- 404, 409 and 422 on a refund raise ``RefundRejectedError``;
- anything else (401 for a wrong key, 400, 422 on an authorization) raises
  ``ProviderRequestError``: retrying the same request cannot help, and it is not the customer's
  decline either.

urllib3 does not retry on its own here (``retries=False``): retries belong to the use cases'
resilience policy, which knows about the circuit breaker.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import urllib3
from urllib3.exceptions import HTTPError

from payment_service.adapters.ports import (
    Authorization,
    AuthorizationResult,
    PaymentProvider,
    ProviderDecline,
    ProviderRefund,
)
from payment_service.domain.errors import (
    PaymentError,
    ProviderTransientError,
    RefundRejectedError,
)
from payment_service.domain.events import DeclineCode
from payment_service.domain.money import Money

_RETRYABLE_STATUSES = frozenset({408, 429})
_REFUND_REFUSALS = frozenset({404, 409, 422})
_DECLINED = 402
_SERVER_ERRORS = 500
_SUCCESS = range(200, 300)
_DECLINE_CODES = frozenset(code.value for code in DeclineCode)


class ProviderRequestError(PaymentError):
    """The provider refused the request itself (bad key, malformed request): not transient."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"provider answered {status}: {message}")
        self.status = status


class HttpPaymentProvider(PaymentProvider):
    """``api_key`` is the key itself or a function returning it (read on every request)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | Callable[[], str],
        timeout: float,
        pool: urllib3.PoolManager,
        *,
        name: str = "simulator",
    ) -> None:
        self.name = name
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._timeout = urllib3.Timeout(total=timeout)
        self._pool = pool

    def authorize(
        self, idempotency_key: str, order_id: str, amount: Money, customer_id: str
    ) -> AuthorizationResult:
        body = {"orderId": order_id, "amount": _money(amount), "customerId": customer_id}
        status, answer = self._post("/v1/authorizations", body, idempotency_key)
        if _succeeded(status):
            return Authorization(_field(answer, "authorizationId", status))
        if status == _DECLINED:
            return _decline(answer)
        raise ProviderRequestError(status, _message(answer))

    def refund(self, idempotency_key: str, authorization_id: str, amount: Money) -> ProviderRefund:
        path = f"/v1/authorizations/{quote(authorization_id, safe='')}/refunds"
        status, answer = self._post(path, {"amount": _money(amount)}, idempotency_key)
        if _succeeded(status):
            return ProviderRefund(_field(answer, "refundId", status))
        if status in _REFUND_REFUSALS:
            raise RefundRejectedError(f"provider refused the refund ({status}): {_message(answer)}")
        raise ProviderRequestError(status, _message(answer))

    def _post(
        self, path: str, body: Mapping[str, Any], idempotency_key: str
    ) -> tuple[int, Mapping[str, Any]]:
        """The status and JSON object of a non-transient answer; transient ones raise."""
        key = self._api_key if isinstance(self._api_key, str) else self._api_key()
        headers = {
            "Authorization": f"Bearer {key}",
            "Idempotency-Key": idempotency_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        try:
            response = self._pool.request(
                "POST",
                self._base_url + path,
                body=json.dumps(body).encode(),
                headers=headers,
                timeout=self._timeout,
                retries=False,
            )
        except HTTPError as error:
            raise ProviderTransientError(f"POST {path}: {error}") from error
        status = response.status
        if status >= _SERVER_ERRORS or status in _RETRYABLE_STATUSES:
            raise ProviderTransientError(f"POST {path}: the provider answered {status}")
        return status, _json_object(response.data)


def _succeeded(status: int) -> bool:
    return status in _SUCCESS


def _money(amount: Money) -> dict[str, str]:
    return {"amount": amount.text(), "currency": amount.currency}


def _json_object(data: bytes) -> Mapping[str, Any]:
    try:
        parsed = json.loads(data)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _field(answer: Mapping[str, Any], name: str, status: int) -> str:
    value = answer.get(name)
    if not isinstance(value, str) or not value:
        raise ProviderTransientError(f"the provider answered {status} without {name}")
    return value


def _message(answer: Mapping[str, Any]) -> str:
    message = answer.get("message") or answer.get("error")
    return message if isinstance(message, str) else "no message"


def _decline(answer: Mapping[str, Any]) -> ProviderDecline:
    code = answer.get("declineCode")
    message = _message(answer)
    if isinstance(code, str) and code in _DECLINE_CODES:
        return ProviderDecline(DeclineCode(code), message)
    return ProviderDecline(DeclineCode.CARD_DECLINED, f"{message} (provider code {code!r})")
