"""Domain errors. Each names the offending field by its contract path (``lines[1].quantity``)."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the inventory domain was broken by the value at ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidValueError(DomainError):
    """A value is malformed or out of range."""


class UnknownSkuError(DomainError):
    """The SKU has no stock record (it was never seeded)."""


class StockRuleError(DomainError):
    """A change would break a stock invariant (on hand below reserved, reserved below zero)."""


class ReservationNotFoundError(DomainError):
    """No reservation with this id exists for the order.

    ReleaseInventory only carries ids this service handed out in InventoryReserved, so this means
    lost state or a wrong id: nothing is changed and there is no contract event for it.
    """
