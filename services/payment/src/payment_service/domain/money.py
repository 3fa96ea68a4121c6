"""Money: a Decimal amount and its ISO 4217 currency. Never a binary float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money amount must be a Decimal, not {type(self.amount).__name__}")
        if not self.amount.is_finite():
            raise ValueError(f"Money amount must be finite, got {self.amount}")
        if not _CURRENCY.match(self.currency):
            raise ValueError(f"currency must be an ISO 4217 code, got {self.currency!r}")

    @classmethod
    def parse(cls, amount: str, currency: str) -> Money:
        """Money from the contracts' decimal string, e.g. ``Money.parse("19.99", "EUR")``."""
        try:
            return cls(Decimal(amount), currency)
        except InvalidOperation as error:
            raise ValueError(f"not a decimal amount: {amount!r}") from error

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal("0.00"), currency)

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    def same_currency(self, other: Money) -> bool:
        return self.currency == other.currency

    def at_most(self, other: Money) -> bool:
        """True when this amount is no more than ``other``, in the same currency."""
        return self.same_currency(other) and self.amount <= other.amount

    def text(self) -> str:
        """The amount as the contracts write it: plain decimal notation, never an exponent."""
        return format(self.amount, "f")

    def __str__(self) -> str:
        return f"{self.text()} {self.currency}"
