from __future__ import annotations

from decimal import Decimal

import pytest
from payment_service.domain.money import Money


def test_money_parses_the_contracts_decimal_string_exactly() -> None:
    money = Money.parse("19.99", "EUR")

    assert money.amount == Decimal("19.99")
    assert money.text() == "19.99"
    assert str(money) == "19.99 EUR"


def test_money_refuses_a_binary_float() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        Money(19.99, "EUR")  # type: ignore[arg-type]


@pytest.mark.parametrize(("amount", "currency"), [("abc", "EUR"), ("NaN", "EUR"), ("1", "eur")])
def test_money_refuses_what_is_not_an_amount_of_a_currency(amount: str, currency: str) -> None:
    with pytest.raises(ValueError, match=r"amount|currency|finite"):
        Money.parse(amount, currency)


def test_a_refund_may_be_at_most_the_amount_in_the_same_currency() -> None:
    paid = Money.parse("214.00", "EUR")

    assert Money.parse("100", "EUR").at_most(paid)
    assert Money.parse("214.0000", "EUR").at_most(paid)
    assert not Money.parse("214.01", "EUR").at_most(paid)
    assert not Money.parse("1.00", "USD").at_most(paid)


def test_large_amounts_are_written_without_an_exponent() -> None:
    assert Money(Decimal("1E+3"), "JPY").text() == "1000"
