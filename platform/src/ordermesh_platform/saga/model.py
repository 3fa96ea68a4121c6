"""What the order saga starts with, and what its HTTP API shows."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

ORDER_ID = r"^ord_[0-9A-Za-z]{8,32}$"
_AMOUNT = r"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,4})?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Money(_Strict):
    amount: Annotated[str, Field(pattern=_AMOUNT)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class SagaLine(_Strict):
    sku: Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$")]
    quantity: Annotated[int, Field(ge=1, le=1000)]


class SagaInput(_Strict):
    """The saga's input (and ``POST /sagas``' body): what its commands need of the order."""

    order_id: Annotated[str, Field(alias="orderId", pattern=ORDER_ID)]
    customer_id: Annotated[str, Field(alias="customerId", pattern=r"^cus_[0-9A-Za-z]{4,32}$")]
    lines: Annotated[list[SagaLine], Field(min_length=1, max_length=100)]
    total: Money
    correlation_id: Annotated[
        str | None, Field(alias="correlationId", min_length=1, max_length=128)
    ] = None

    def execution_input(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", by_alias=True)
        data["correlationId"] = self.correlation_id or self.order_id
        return data
