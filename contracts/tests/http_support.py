"""What the HTTP convention tests share: the request models routes and bodies are validated into,
and an API Gateway HTTP API (payload 2.0) event to send."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str
    quantity: Annotated[int, Field(ge=1)]


class NewOrder(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    customer_id: Annotated[str, Field(alias="customerId")]
    lines: Annotated[list[Line], Field(min_length=1)]


def _event(
    method: str = "POST",
    path: str = "/orders",
    body: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    *,
    encoded: bool = False,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"} if headers is None else headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "22/Nov/2026:09:00:00 +0000",
            "timeEpoch": 0,
        },
        "isBase64Encoded": encoded,
    }
    if body is not None:
        event["body"] = body
    if query is not None:
        event["queryStringParameters"] = query
    return event
