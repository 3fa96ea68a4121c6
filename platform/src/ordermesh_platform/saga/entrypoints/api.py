"""The saga HTTP API: start a saga for an order, read its progress, list and redrive sagas."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from ordermesh_contracts import http
from ordermesh_contracts.openapi import responses

from ordermesh_platform.saga import bootstrap, service
from ordermesh_platform.saga.engine import (
    InvalidPageTokenError,
    SagaConflictError,
    SagaNotFoundError,
)
from ordermesh_platform.saga.entrypoints import logger, tracer
from ordermesh_platform.saga.model import ORDER_ID, SagaInput
from ordermesh_platform.saga.progress import summary

app = APIGatewayHttpResolver(enable_validation=True)
http.register(app)
OrderId = Annotated[str, Path(pattern=ORDER_ID)]
Status = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"]
# A started saga is read at its order id.
STARTED_LINKS = {
    "GetSaga": {
        "operationId": "get_saga_sagas__order_id__get",
        "parameters": {"order_id": "$request.body#/orderId"},
    },
}


def _no_saga(order_id: str) -> http.ProblemError:
    detail = f"order {order_id} has no saga"
    return http.ProblemError(404, detail, errors=[http.FieldError("path:orderId", detail)])


def _progress(order_id: str) -> dict[str, Any]:
    try:
        return service.progress(bootstrap.sagas(), order_id)
    except SagaNotFoundError as exc:
        raise _no_saga(order_id) from exc


@app.post(
    "/sagas",
    summary="Start the saga of an order (idempotent by order id)",
    responses={
        **responses(201, "The order's saga, started", 422, links=STARTED_LINKS),
        200: {"description": "The order's saga, which was started before"},
    },
)
def start_saga(body: Annotated[SagaInput, Body()]) -> Response[dict[str, Any]]:
    started = service.start(bootstrap.sagas(), body)
    return Response(
        status_code=201 if started.created else 200,
        content_type="application/json",
        body=_progress(body.order_id),
        headers={"Location": f"/sagas/{body.order_id}"},
    )


@app.get(
    "/sagas/<order_id>",
    summary="A saga's status, current step, steps and compensations",
    responses=responses(200, "The saga's progress", 404, 422),
)
def get_saga(order_id: OrderId) -> dict[str, Any]:
    return _progress(order_id)


@app.get(
    "/sagas",
    summary="Sagas, newest first, optionally by status",
    responses=responses(200, "A page of sagas; nextToken reads the next", 422),
)
def list_sagas(
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    next_token: Annotated[str | None, Query(alias="nextToken")] = None,
) -> dict[str, Any]:
    try:
        page = bootstrap.sagas().list(status, limit, next_token)
    except InvalidPageTokenError as exc:
        detail = f"nextToken is not one this API gave: {exc}"
        errors = [http.FieldError("query:nextToken", detail)]
        raise http.ProblemError(400, detail, errors=errors) from exc
    listing: dict[str, Any] = {"items": [summary(e) for e in page.executions]}
    if page.next_token:
        listing["nextToken"] = page.next_token
    return listing


@app.post(
    "/sagas/<order_id>/redrive",
    summary="Redrive a failed saga from where it failed",
    responses=responses(202, "The saga's progress, redriven", 404, 409, 422),
)
def redrive_saga(order_id: OrderId) -> Response[dict[str, Any]]:
    try:
        bootstrap.sagas().redrive(order_id)
    except SagaNotFoundError as exc:
        raise _no_saga(order_id) from exc
    except SagaConflictError as exc:
        detail = f"the saga of {order_id} cannot be redriven: {exc}"
        raise http.ProblemError(
            409, detail, errors=[http.FieldError("path:orderId", detail)]
        ) from exc
    return Response(202, "application/json", _progress(order_id))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.resolve(app, event, context)
