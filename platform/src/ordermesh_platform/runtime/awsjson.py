"""AWS's JSON protocols (1.0 and 1.1) over HTTP: one endpoint for several services.

A request is a POST whose ``X-Amz-Target`` header is ``<prefix>.<Operation>`` and whose body is
a JSON object; the response is the operation's JSON result, or an error as AWS sends it (HTTP
400, ``{"__type": code, "message": ...}``). A write SQLite refused for a full disk is AWS's
``ServiceUnavailable`` (503, its common error for a temporary failure of the server, which the
SDKs retry): the operation's transaction kept nothing, so the request may be sent again.
Services are told apart by the target's prefix (``AWSEvents``, ``AWSStepFunctions``), so they
can share one port. Operations run in a worker thread: they wait on SQLite and may run
handlers, which must not stall the event loop. Signatures are not checked.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ordermesh_contracts.http import storage_full
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordermesh_platform.shared.aws import AwsError

logger = logging.getLogger(__name__)

JSON_1_0 = "application/x-amz-json-1.0"
JSON_1_1 = "application/x-amz-json-1.1"

Endpoint = Callable[[Request], Awaitable[Response]]
S = TypeVar("S")  # what a service's operations work on (the bus, the Step Functions service)


class WireError(Exception):
    """A request rejected before it reaches the service (its shape, not its meaning)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class JsonService(Generic[S]):
    """One service: its target prefix, content type, operations and the object they work on.
    An operation takes that object and the request body and returns the response body; it
    raises ``WireError`` or ``AwsError``."""

    target_prefix: str
    content_type: str
    operations: Mapping[str, Callable[[S, dict[str, Any]], dict[str, Any]]]
    target: S


def error_response(code: str, message: str, content_type: str, status: int = 400) -> Response:
    return JSONResponse(
        {"__type": code, "message": message}, status_code=status, media_type=content_type
    )


def _body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise WireError("SerializationException", "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise WireError("SerializationException", "the request body must be a JSON object")
    return body


def json_endpoint(*services: JsonService[Any]) -> Endpoint:
    """A Starlette endpoint serving ``services``, routed by ``X-Amz-Target``."""
    by_prefix = {service.target_prefix: service for service in services}
    default_type = services[0].content_type if services else JSON_1_1

    async def endpoint(request: Request) -> Response:
        target = request.headers.get("x-amz-target", "")
        prefix, _, operation = target.partition(".")
        service = by_prefix.get(prefix)
        content_type = service.content_type if service else default_type
        handler = service.operations.get(operation) if service else None
        if service is None or handler is None:
            return error_response(
                "UnknownOperationException", f"unknown operation {target!r}", content_type
            )
        try:
            body = _body(await request.body())
            result = await run_in_threadpool(handler, service.target, body)
        except WireError as exc:
            return error_response(exc.code, exc.message, content_type, exc.status)
        except AwsError as exc:
            return error_response(exc.code, exc.message, content_type)
        except Exception as exc:  # noqa: BLE001 - every failure gets an AWS error shape
            return _failure(target, exc, content_type)
        return Response(json.dumps(result), media_type=content_type)

    return endpoint


def _failure(target: str, exc: Exception, content_type: str) -> Response:
    """A 503 ``ServiceUnavailable`` for a full disk; a 500 ``InternalFailure`` otherwise."""
    if isinstance(exc, sqlite3.Error) and storage_full(exc):
        logger.warning("%s refused: the disk is full (%s)", target, exc)
        message = "the disk is full: nothing was written, try again later"
        return error_response("ServiceUnavailable", message, content_type, 503)
    logger.error("%s failed", target, exc_info=exc)
    return error_response("InternalFailure", str(exc), content_type, 500)


def json_app(*services: JsonService[Any]) -> Starlette:
    return Starlette(routes=[Route("/", json_endpoint(*services), methods=["POST"])])
