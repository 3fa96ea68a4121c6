"""Commands the domain accepts, validated on construction (errors name the contract field)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from inventory_service.domain.errors import InvalidValueError
from inventory_service.domain.values import Line, ReleaseReason, check_order_id

DEFAULT_RESERVATION_TTL = timedelta(minutes=15)
MIN_TTL_SECONDS = 60
MAX_TTL_SECONDS = 86_400
MAX_LINES = 100


@dataclass(frozen=True)
class ReserveStock:
    """Reserve ``lines`` for the order, all or nothing, for ``ttl_seconds`` (None: the default).

    Line quantities are not checked here: a bad quantity is a rejection the saga is told about
    (INVALID_QUANTITY), not an error that leaves it waiting.
    """

    order_id: str
    lines: tuple[Line, ...]
    ttl_seconds: int | None = None

    def __post_init__(self) -> None:
        check_order_id(self.order_id)
        if not 1 <= len(self.lines) <= MAX_LINES:
            raise InvalidValueError("lines", f"needs 1 to {MAX_LINES} lines, got {len(self.lines)}")
        for index, line in enumerate(self.lines):
            if not line.sku:
                raise InvalidValueError(f"lines[{index}].sku", "must not be empty")
        ttl = self.ttl_seconds
        if ttl is not None and not MIN_TTL_SECONDS <= ttl <= MAX_TTL_SECONDS:
            raise InvalidValueError(
                "reservationTtlSeconds", f"must be {MIN_TTL_SECONDS}-{MAX_TTL_SECONDS}, got {ttl}"
            )

    @property
    def ttl(self) -> timedelta:
        if self.ttl_seconds is None:
            return DEFAULT_RESERVATION_TTL
        return timedelta(seconds=self.ttl_seconds)


@dataclass(frozen=True)
class ReleaseStock:
    """Release the order's reservation. ``lines`` are the order's lines when the sender knows them:
    with them, a release that arrives before the reservation withdraws the order instead of
    failing (see ``Withdrawal``)."""

    order_id: str
    reservation_id: str
    reason: ReleaseReason
    lines: tuple[Line, ...] = ()

    def __post_init__(self) -> None:
        check_order_id(self.order_id)
        if self.reason is ReleaseReason.RESERVATION_EXPIRED:
            raise InvalidValueError("reason", "expiry is not a release the saga can ask for")


@dataclass(frozen=True)
class AdjustStock:
    """Change a SKU's on-hand stock by ``delta`` or to ``set_to``: exactly one of them."""

    sku: str
    delta: int | None = None
    set_to: int | None = None

    def __post_init__(self) -> None:
        if (self.delta is None) == (self.set_to is None):
            raise InvalidValueError("delta", "give exactly one of delta and setTo")
        if self.set_to is not None and self.set_to < 0:
            raise InvalidValueError("setTo", f"must be 0 or more, got {self.set_to}")

    @property
    def field(self) -> str:
        return "delta" if self.delta is not None else "setTo"

    def new_on_hand(self, on_hand: int) -> int:
        if self.set_to is not None:
            return self.set_to
        return on_hand + (self.delta or 0)
