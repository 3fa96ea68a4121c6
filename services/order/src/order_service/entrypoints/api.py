"""The order HTTP API: place an order, read it, list a customer's orders."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from ordermesh_contracts import http
from ordermesh_contracts.openapi import responses

from order_service import bootstrap
from order_service.domain.errors import InvalidOrder
from order_service.entrypoints import logger, metrics, tracer
from order_service.entrypoints.schemas import PlaceOrderRequest, order_view
from order_service.service_layer import orders

app = APIGatewayHttpResolver(enable_validation=True)
http.register(app)
OrderId = Annotated[str, Path(pattern=r"^ord_[0-9A-Za-z]{8,32}$")]
# The placed order is read at its orderId, and listed among its customer's orders.
PLACED_LINKS = {
    "GetOrder": {
        "operationId": "get_order_orders__order_id__get",
        "parameters": {"order_id": "$response.body#/orderId"},
    },
    "ListCustomerOrders": {
        "operationId": "list_orders_orders_get",
        "parameters": {"customerId": "$response.body#/customerId"},
    },
}


@app.post(
    "/orders",
    summary="Place an order (202; the saga confirms or cancels it)",
    responses=responses(
        202, "The order, PENDING until its saga settles it", 409, 422, links=PLACED_LINKS
    ),
)
def place_order(
    body: Annotated[PlaceOrderRequest, Body()],
    idempotency_key: Annotated[
        str | None, Header(alias="idempotency-key", min_length=1, max_length=255)
    ] = None,
) -> Response[dict[str, Any]]:
    container = bootstrap.container()
    request_id = app.current_event.request_context.request_id
    try:
        placed = orders.place_order(body.command(request_id, idempotency_key), container.ports())
    except InvalidOrder as exc:
        errors = [http.FieldError(p.field, p.message) for p in exc.problems]
        raise http.ProblemError(422, "the order cannot be placed", errors=errors) from exc
    except orders.IdempotencyConflict as exc:
        errors = [http.FieldError("header:idempotency-key", str(exc))]
        raise http.ProblemError(409, str(exc), errors=errors) from exc
    if placed.created:
        metrics.add_metric(name="OrdersPlaced", unit=MetricUnit.Count, value=1)
    container.relay.kick()
    tracer.put_annotation("orderId", placed.order.order_id)  # its correlation id too
    tracer.put_annotation("correlationId", placed.order.order_id)
    location = f"/orders/{placed.order.order_id}"
    return Response(202, "application/json", order_view(placed.order), {"Location": location})


@app.get(
    "/orders/<order_id>",
    summary="An order: status and saga progress",
    responses=responses(200, "The order", 404, 422),
)
def get_order(order_id: OrderId) -> dict[str, Any]:
    container = bootstrap.container()
    try:
        return order_view(orders.get_order(order_id, container.unit_of_work()))
    except orders.OrderNotFound as exc:
        detail = f"no order {order_id}"
        errors = [http.FieldError("path:orderId", detail)]
        raise http.ProblemError(404, detail, errors=errors) from exc


@app.get(
    "/orders",
    summary="A customer's orders, newest first, a page at a time",
    responses=responses(200, "A page of orders; nextToken reads the next", 422),
)
def list_orders(
    customer_id: Annotated[str, Query(alias="customerId", pattern=r"^cus_[0-9A-Za-z]{4,32}$")],
    limit: Annotated[int, Query(ge=1, le=orders.MAX_PAGE)] = 20,
    next_token: Annotated[str | None, Query(alias="nextToken", max_length=512)] = None,
) -> dict[str, Any]:
    unit_of_work = bootstrap.container().unit_of_work()
    try:
        page = orders.list_orders(customer_id, unit_of_work, limit=limit, token=next_token)
    except ValueError as exc:
        detail = f"nextToken is not one this API gave: {exc}"
        errors = [http.FieldError("query:nextToken", detail)]
        raise http.ProblemError(400, detail, errors=errors) from exc
    listing: dict[str, Any] = {"items": [order_view(o) for o in page.orders]}
    if page.next_token:
        listing["nextToken"] = page.next_token
    return listing


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.resolve(app, event, context)
