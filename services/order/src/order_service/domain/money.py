"""Money: a Decimal amount and an ISO 4217 currency. Never a binary float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_SCALE = 4  # decimal places the contracts allow
MAX_INTEGER_DIGITS = 15


class MoneyError(ValueError):
    """Not an amount of money the system accepts."""


@dataclass(frozen=True, order=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: str | Decimal | int, currency: str) -> Money:
        """Money from a decimal string (``"12.50"``), a Decimal or an int; floats are refused."""
        if isinstance(amount, float | bool):
            raise MoneyError("an amount must be a decimal string, not a binary float")
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise MoneyError(f"{amount!r} is not a decimal amount") from None
        if not value.is_finite():
            raise MoneyError(f"{amount!r} is not a finite amount")
        if not CURRENCY.match(currency):
            raise MoneyError(f"{currency!r} is not an ISO 4217 currency code")
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_SCALE:
            raise MoneyError(f"{amount} has more than {MAX_SCALE} decimal places")
        if value.adjusted() >= MAX_INTEGER_DIGITS:
            raise MoneyError(f"{amount} is too large")
        return cls(value, currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls.of(0, currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def is_negative(self) -> bool:
        return self.amount < 0

    def text(self) -> str:
        """The amount as the contracts write it: plain decimal notation, no exponent."""
        return f"{self.amount:f}"

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot add {other.currency} to {self.currency}")
