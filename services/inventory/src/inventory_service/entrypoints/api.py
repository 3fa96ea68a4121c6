"""The inventory HTTP API: a SKU's stock level, and stock adjustments."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from ordermesh_contracts import http
from ordermesh_contracts.openapi import responses
from ordermesh_contracts.publishing import Outgoing
from pydantic import BaseModel, ConfigDict, Field

from inventory_service import bootstrap
from inventory_service.domain.catalog import MAX_WAREHOUSE_LENGTH, CatalogEntry
from inventory_service.domain.commands import AdjustStock
from inventory_service.domain.errors import DomainError, UnknownSkuError
from inventory_service.entrypoints import logger, tracer
from inventory_service.service_layer import messages
from inventory_service.service_layer.stock import (
    StockLevel,
    adjust_stock,
    get_stock,
    seed_catalog,
)

app = APIGatewayHttpResolver(enable_validation=True)
http.register(app)
SKU = r"^[A-Z0-9][A-Z0-9-]{2,31}$"
MAX_STOCK = 1_000_000_000
Sku = Annotated[str, Path(pattern=SKU)]


class Adjustment(BaseModel):
    """Change on-hand stock by ``delta``, or set it to ``setTo``: exactly one of them."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    delta: Annotated[int | None, Field(ge=-1_000_000, le=1_000_000)] = None
    set_to: Annotated[int | None, Field(alias="setTo", ge=0, le=MAX_STOCK)] = None


class CatalogItem(BaseModel):
    model_config = ConfigDict(populate_by_name=True)  # catalog files carry more (name, price)
    sku: Annotated[str, Field(pattern=SKU)]
    on_hand: Annotated[int, Field(alias="onHand", ge=0, le=MAX_STOCK)]
    threshold: Annotated[int, Field(ge=0, le=MAX_STOCK)]
    warehouse: Annotated[str, Field(min_length=1, max_length=MAX_WAREHOUSE_LENGTH)]


class Catalog(BaseModel):
    """Each SKU once."""

    model_config = ConfigDict(populate_by_name=True)
    items: Annotated[list[CatalogItem], Field(min_length=1, max_length=10_000)]


def _view(level: StockLevel) -> dict[str, Any]:
    return {
        "sku": level.sku,
        "onHand": level.on_hand,
        "reserved": level.reserved,
        "available": level.available,
        "threshold": level.threshold,
        "warehouse": level.warehouse,
    }


def _unknown(sku: str) -> http.ProblemError:
    detail = f"{sku} is not in the catalog"
    return http.ProblemError(404, detail, errors=[http.FieldError("path:sku", detail)])


def _problem(exc: DomainError) -> http.ProblemError:
    field = str(getattr(exc, "field", ""))
    detail = str(getattr(exc, "message", exc))
    status = 404 if isinstance(exc, UnknownSkuError) else 422
    return http.ProblemError(status, detail, errors=[http.FieldError(field, detail)])


@app.get(
    "/inventory/<sku>",
    summary="A SKU's stock: on hand, reserved, available",
    responses=responses(200, "The SKU's stock", 404, 422),
)
def get_level(sku: Sku) -> dict[str, Any]:
    level = get_stock(sku, bootstrap.container().unit_of_work())
    if level is None:
        raise _unknown(sku)
    return _view(level)


@app.post(
    "/inventory/<sku>/adjustments",
    summary="Adjust a SKU's on-hand stock",
    responses=responses(200, "The SKU's stock, adjusted", 404, 422),
)
def adjust(sku: Sku, body: Annotated[Adjustment, Body()]) -> dict[str, Any]:
    container = bootstrap.container()
    try:
        command = AdjustStock(sku, delta=body.delta, set_to=body.set_to)
        adjusted = adjust_stock(command, container.unit_of_work())
    except DomainError as exc:
        raise _problem(exc) from exc
    request_id = app.current_event.request_context.request_id
    signals = [
        Outgoing(data, correlation_id=request_id, causation_id=request_id)
        for data in messages.to_contracts(adjusted.signals)
    ]
    if signals:
        container.publisher.publish(*signals)
    return _view(adjusted.level)


@app.post(
    "/inventory/seed",
    summary="Create stock for catalog SKUs not seen before",
    responses=responses(200, "The SKUs created, and those already there", 422),
)
def seed(body: Annotated[Catalog, Body()]) -> dict[str, Any]:
    entries = [
        CatalogEntry(item.sku, item.on_hand, item.threshold, item.warehouse) for item in body.items
    ]
    try:
        seeded = seed_catalog(entries, bootstrap.container().unit_of_work())
    except DomainError as exc:
        raise _problem(exc) from exc
    return {"created": list(seeded.created), "unchanged": list(seeded.unchanged)}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.resolve(app, event, context)
