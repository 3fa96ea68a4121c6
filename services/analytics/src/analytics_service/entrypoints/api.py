"""The analytics HTTP API: a KPI as a time series, the current windows, the anomalies."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from ordermesh_contracts import http
from ordermesh_contracts.openapi import responses
from pydantic import AwareDatetime

from analytics_service import bootstrap
from analytics_service.domain.windows import Granularity
from analytics_service.domain.windows.series import SeriesMetric
from analytics_service.entrypoints import logger, tracer
from analytics_service.service_layer import queries

app = APIGatewayHttpResolver(enable_validation=True)
http.register(app)
Time = AwareDatetime  # ISO 8601 with an offset: 2026-12-05T10:00:00Z


def _refused(exc: queries.InvalidQueryError) -> http.ProblemError:
    field = f"query:{exc.parameter}"
    errors = [http.FieldError(field, exc.message)]
    return http.ProblemError(422, f"the request is not valid: {field}", errors=errors)


@app.get(
    "/analytics/kpis",
    summary="One KPI as a series of windows (provisional until final)",
    responses=responses(200, "The KPI's windows", 422),
)
def kpis(
    metric: Annotated[SeriesMetric, Query(description="The KPI")],
    granularity: Annotated[Granularity, Query(description="Window length")] = Granularity.MINUTE,
    start: Annotated[
        Time | None, Query(alias="from", description="Default: 60 windows ago")
    ] = None,
    end: Annotated[Time | None, Query(alias="to", description="Exclusive; default: now")] = None,
    dimension: Annotated[
        str | None, Query(max_length=64, description="Split by it: currency, reason, ...")
    ] = None,
) -> dict[str, Any]:
    container = bootstrap.container()
    query = queries.SeriesQuery(metric, granularity, start, end, dimension)
    try:
        return queries.series(query, container.store, container.clock())
    except queries.InvalidQueryError as exc:
        raise _refused(exc) from exc


@app.get(
    "/analytics/now",
    summary="The current windows of every granularity (provisional)",
    responses=responses(200, "The current windows"),
)
def now() -> dict[str, Any]:
    container = bootstrap.container()
    return queries.current(container.store, container.clock())


@app.get(
    "/analytics/anomalies",
    summary="Anomalies of the windows ending after since",
    responses=responses(200, "The anomalies", 422),
)
def anomalies(
    since: Annotated[Time | None, Query(description="Default: a day ago")] = None,
) -> dict[str, Any]:
    container = bootstrap.container()
    try:
        return queries.anomalies(container.store, since, container.clock())
    except queries.InvalidQueryError as exc:
        raise _refused(exc) from exc


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.resolve(app, event, context)
