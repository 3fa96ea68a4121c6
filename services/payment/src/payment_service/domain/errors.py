"""Domain errors: what can go wrong, in the payment service's words."""

from __future__ import annotations

from datetime import timedelta


class PaymentError(Exception):
    """Base of the payment service's errors."""


class ProviderTransientError(PaymentError):
    """The provider did not answer usefully this time (timeout, 5xx, connection error).

    Raised by provider adapters; the same request may succeed if tried again.
    """


class ProviderUnavailableError(PaymentError):
    """The provider is down (breaker open or retries exhausted): try the command again later.

    Not a decline: the handler lets the message be redelivered, so the saga waits.
    ``retry_after`` is a hint of when trying again makes sense.
    """

    def __init__(self, message: str, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RefundRejectedError(PaymentError):
    """The provider refused a refund for good (not a transient failure)."""


class InvalidPaymentCommandError(PaymentError):
    """A command that can never succeed: wrong currency, amount, or payment id."""


class PaymentConflictError(PaymentError):
    """Another invocation stored this order's payment first (optimistic concurrency)."""


class PaymentVoidedError(PaymentError):
    """An authorization was asked for an order whose payment was refunded before it existed."""
