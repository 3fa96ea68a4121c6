"""HTTP APIs the ordermesh way: RFC 9457 problem documents and strict JSON bodies.

Every API of the system answers errors with ``application/problem+json``: ``type``, ``title``,
``status``, ``detail`` and, for invalid input, ``errors``: one entry per problem with the
``field`` it concerns (``lines[2].quantity``) and what is wrong with it. ``register`` installs
the handlers on a powertools resolver, so a route raises ``ProblemError`` (or lets pydantic's
``ValidationError`` through) and never builds an error response itself.

A store that cannot write because its disk is full (SQLite's SQLITE_FULL, "database or disk is
full") is a 503 with Retry-After: its transaction was rolled back, so nothing of the request was
kept, and the same request may be sent again later.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from pydantic import BaseModel, ValidationError

PROBLEM_JSON = "application/problem+json"
DEFAULT_MAX_BODY_BYTES = 64 * 1024
STORAGE_FULL_RETRY_AFTER = 30  # seconds: freeing disk space takes an operator
M = TypeVar("M", bound=BaseModel)

TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class FieldError:
    field: str  # "lines[2].unitPrice.currency"; "" for the body as a whole
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "detail": self.detail}


@dataclass
class ProblemError(Exception):
    """An answer that is not a success: raised by routes, rendered by ``register``."""

    status: int
    detail: str
    kind: str = "about:blank"  # the problem type URI
    errors: Sequence[FieldError] = field(default_factory=list)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": self.kind,
            "title": TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            document["errors"] = [e.to_json() for e in self.errors]
        return {**document, **self.extra}

    def response(self) -> Response[str]:
        return Response(
            status_code=self.status,
            content_type=PROBLEM_JSON,
            body=json.dumps(self.to_json(), separators=(",", ":")),
        )


def field_path(location: Iterable[int | str]) -> str:
    """pydantic's error location as a field path: ``("lines", 2, "sku")`` -> ``lines[2].sku``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "is not a field of this request"
    if error["type"] == "missing":
        return "is required"
    return str(error["msg"])


def invalid(exc: ValidationError, where: str = "") -> ProblemError:
    """A 422 naming every field pydantic rejected (as the client spelled it)."""
    errors = [
        FieldError(field_path([*([where] if where else []), *e["loc"]]), _message(e))
        for e in exc.errors(include_url=False)
    ]
    fields = ", ".join(e.field or "the body" for e in errors[:5])
    return ProblemError(422, f"the request is not valid: {fields}", errors=errors)


def body_problem(status: int, detail: str) -> ProblemError:
    """A problem with the body as a whole: its one field error names the body (``""``)."""
    return ProblemError(status, detail, errors=[FieldError("", detail)])


def body_bytes(event: Mapping[str, Any], max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> bytes:
    """The raw request body of an API Gateway event, refusing one over ``max_bytes`` (413)."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise body_problem(400, "the body is not valid base64") from exc
    else:
        raw = body.encode()
    if len(raw) > max_bytes:
        raise body_problem(413, f"the body is {len(raw)} bytes; at most {max_bytes} are accepted")
    return raw


def body_text(raw: bytes) -> str:
    """The body as text: JSON is UTF-8 (RFC 8259), so other bytes are a 400 saying where."""
    try:
        return raw.decode()
    except UnicodeDecodeError as exc:
        detail = f"the body is not UTF-8 text: byte {exc.object[exc.start]:#04x} at {exc.start}"
        raise body_problem(400, detail) from exc


def json_body(
    event: Mapping[str, Any], model: type[M], max_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> M:
    """The request body as ``model``: 413 if too large, 415 if not JSON by its content type,
    400 if not a JSON object, 422 naming each invalid field."""
    raw = body_bytes(event, max_bytes)
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise ProblemError(415, f"send the body as application/json, not {content_type}")
    if not raw.strip():
        raise body_problem(400, "the request needs a JSON body")
    try:
        data = json.loads(body_text(raw))
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise body_problem(400, f"the body is not valid JSON ({where}): {exc.msg}") from exc
    if not isinstance(data, dict):
        raise body_problem(400, "the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from exc


def request_invalid(errors: Sequence[Mapping[str, Any]]) -> ProblemError:
    """powertools' request validation errors as a problem: 400 for a body that is not JSON,
    else 422 naming each field."""
    if any(e.get("type") == "json_invalid" for e in errors):
        return body_problem(400, "the body is not valid JSON")
    problems = []
    for error in errors:
        location = list(error.get("loc", ()))
        where = location.pop(0) if location and location[0] in ("body", "query", "path") else ""
        name = field_path(location)
        if where in ("query", "path"):
            name = f"{where}:{name}"
        problems.append(FieldError(name, _message(error)))
    fields = ", ".join(e.field or "the body" for e in problems[:5])
    return ProblemError(422, f"the request is not valid: {fields}", errors=problems)


def resolve(
    app: ApiGatewayResolver,
    event: dict[str, Any],
    context: Any,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> dict[str, Any]:
    """``app.resolve``, refusing a body over ``max_body_bytes`` (413) or one that is not UTF-8
    text (400) before anything parses it: every ordermesh API takes JSON, and powertools' body
    validation decodes the body as UTF-8 without catching the error (a 500)."""
    try:
        body_text(body_bytes(event, max_body_bytes))
    except ProblemError as exc:
        return {
            "statusCode": exc.status,
            "headers": {"Content-Type": PROBLEM_JSON},
            "body": json.dumps(exc.to_json(), separators=(",", ":")),
            "isBase64Encoded": False,
        }
    answer: dict[str, Any] = app.resolve(event, context)
    return answer


def register(app: ApiGatewayResolver) -> None:
    """Problem documents for every error a route raises and for unknown routes."""
    from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _request(exc: RequestValidationError) -> Response[str]:
        return request_invalid(exc.errors()).response()

    @app.exception_handler(ProblemError)  # type: ignore[untyped-decorator]
    def _problem(exc: ProblemError) -> Response[str]:
        return exc.response()

    @app.exception_handler(sqlite3.OperationalError)  # type: ignore[untyped-decorator]
    def _storage(exc: sqlite3.OperationalError) -> Response[str]:
        if not storage_full(exc):
            raise exc
        return storage_full_response()

    @app.exception_handler(ValidationError)  # type: ignore[untyped-decorator]
    def _validation(exc: ValidationError) -> Response[str]:
        return invalid(exc).response()

    @app.not_found
    def _not_found(_exc: Exception) -> Response[str]:
        # also a path parameter with characters the resolver's route patterns do not take
        event = app.current_event
        detail = f"no resource at {event.http_method} {event.path}"
        return ProblemError(404, detail, errors=[FieldError("path", detail)]).response()


def storage_full(exc: sqlite3.Error) -> bool:
    """Whether SQLite refused a write because the disk (or the database's size limit) is full."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF == sqlite3.SQLITE_FULL)
    return str(exc).startswith("database or disk is full")


def storage_full_response() -> Response[str]:
    """503 with Retry-After: the store kept nothing of the request, which may be sent again."""
    problem = ProblemError(503, "the service's storage is full; nothing was written, try again")
    response = problem.response()
    response.headers["Retry-After"] = str(STORAGE_FULL_RETRY_AFTER)
    return response
