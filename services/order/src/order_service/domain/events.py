"""What happened to an order, as the domain records it. The service layer turns these into
contract events (OrderPlaced v1 and v2, OrderConfirmed, OrderCancelled)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DomainEvent:
    order_id: str
    at: datetime


@dataclass(frozen=True)
class OrderPlaced(DomainEvent):
    pass


@dataclass(frozen=True)
class OrderConfirmed(DomainEvent):
    pass


@dataclass(frozen=True)
class OrderCancelled(DomainEvent):
    pass


@dataclass(frozen=True)
class SagaStepRecorded(DomainEvent):
    step: str
