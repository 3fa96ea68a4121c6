"""The services' HTTP APIs on the local runtime, as API Gateway HTTP APIs run them.

A request is matched to a route key (``"GET /orders/{orderId}"``) the way API Gateway chooses:
the route with the most literal segments wins, a ``{name+}`` greedy segment loses to any other,
an exact method beats ``ANY``. The matched function is invoked synchronously with a payload
format 2.0 event, and its answer becomes the HTTP response (a dict with ``statusCode``; anything
else is a 200 JSON body, as API Gateway infers it). A function that fails is a 500 and one that
times out a 503, with API Gateway's bodies; an unmatched path a 404. The server refuses a body
over API Gateway's 10 MB (413) before the gateway sees the request (``runtime.server_limits``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordermesh_platform.runtime.function_calls import FunctionError
from ordermesh_platform.runtime.functions import Functions
from ordermesh_platform.runtime.shapes import LOCAL_DOMAIN, ApiRequest, http_api_event

_PARAM = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}$")


@dataclass(frozen=True)
class HttpRoute:
    route_key: str  # "GET /orders/{orderId}"
    function: str
    method: str
    pattern: re.Pattern[str]
    rank: tuple[int, int, int]  # sorts the most specific route first

    @classmethod
    def parse(cls, route_key: str, function: str) -> HttpRoute:
        method, _, path = route_key.partition(" ")
        parts, literal, greedy = [], 0, 0
        for segment in path.strip("/").split("/") if path.strip("/") else []:
            param = _PARAM.match(segment)
            if param is None:
                parts.append(re.escape(segment))
                literal += 1
            elif param.group(2):
                parts.append(f"(?P<{param.group(1)}>.+)")
                greedy = 1
            else:
                parts.append(f"(?P<{param.group(1)}>[^/]+)")
        regex = re.compile("^/" + "/".join(parts) + "/?$" if parts else "^/$")
        rank = (greedy, -literal, 1 if method == "ANY" else 0)
        return cls(route_key, function, method, regex, rank)


class RouteTable:
    def __init__(self, routes: Iterable[HttpRoute] = ()) -> None:
        self._routes: list[HttpRoute] = []
        for route in routes:
            self.add(route)

    def add(self, route: HttpRoute) -> None:
        if any(r.route_key == route.route_key for r in self._routes):
            message = f"route {route.route_key!r} is served by two functions"
            raise ValueError(message)
        self._routes.append(route)
        self._routes.sort(key=lambda r: r.rank)

    def __iter__(self) -> Any:
        return iter(self._routes)

    def match(self, method: str, path: str) -> tuple[HttpRoute, dict[str, str]] | None:
        for route in self._routes:
            if route.method not in (method, "ANY"):
                continue
            found = route.pattern.match(path)
            if found is not None:
                return route, found.groupdict()
        return None


def _joined(pairs: Iterable[tuple[str, str]], *, lower: bool) -> dict[str, str]:
    joined: dict[str, str] = {}
    for key, value in pairs:
        name = key.lower() if lower else key
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def request_path(request: Request) -> str:
    """The request's path, percent-decoded as API Gateway matches it. Not ``request.url.path``:
    ``urllib.parse.urlsplit`` drops tabs and newlines, so ``/inventory/%09`` became
    ``/inventory/`` and matched no route."""
    return str(request.scope["path"])


def api_event(
    request: Request, body: bytes, route: HttpRoute, params: dict[str, str]
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway would send for ``request``."""
    headers = _joined(
        ((k, v) for k, v in request.headers.items() if k.lower() != "cookie"), lower=True
    )
    try:
        text, encoded = body.decode(), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    query = request.url.query
    parameters = _joined(request.query_params.multi_items(), lower=False) if query else None
    shaped = ApiRequest(
        method=request.method,
        path=request_path(request),
        headers=headers,
        source_ip=request.client.host if request.client else "127.0.0.1",
        query=query,
        query_parameters=parameters,
        cookies=[f"{k}={v}" for k, v in request.cookies.items()],
        body=text if body else None,
        encoded=encoded,
        protocol=f"HTTP/{request.scope.get('http_version', '1.1')}",
    )
    return http_api_event(shaped, route.route_key, params)


def api_response(result: Any) -> Response:
    """The HTTP response for a function's answer (payload format 2.0)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return Response(json.dumps(result), 200, media_type="application/json")
    body = result.get("body") or ""
    content = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    response = Response(content, int(result["statusCode"]))
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.append(name, str(value))
    for cookie in result.get("cookies") or []:
        response.headers.append("set-cookie", cookie)
    return response


def call(
    functions: Functions, routes: RouteTable, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    """Call a route in process (no HTTP): its status and JSON body. For the runtime's own
    commands (``ordermesh seed``), which go through the APIs as any client does."""
    found = routes.match(method, path)
    if found is None:
        message = f"no route for {method} {path}"
        raise LookupError(message)
    route, params = found
    shaped = ApiRequest(
        method=method,
        path=path,
        headers={"content-type": "application/json", "host": LOCAL_DOMAIN},
        source_ip="127.0.0.1",
        body=None if body is None else json.dumps(body),
    )
    event = http_api_event(shaped, route.route_key, params)
    response = api_response(functions.invoke(route.function, event))
    return response.status_code, json.loads(bytes(response.body) or b"null")


class HttpApiGateway:
    """An ASGI endpoint serving ``routes`` by invoking their functions."""

    def __init__(self, functions: Functions, routes: RouteTable) -> None:
        self.functions = functions
        self.routes = routes

    async def endpoint(self, request: Request) -> Response:
        found = self.routes.match(request.method, request_path(request))
        if found is None:
            return JSONResponse({"message": "Not Found"}, 404)
        body = await request.body()  # at most the server's limit
        route, params = found
        event = api_event(request, body, route, params)
        try:
            result = await self._invoke(route.function, event)
        except FunctionError as exc:
            if exc.error_type == "Sandbox.Timedout":
                return JSONResponse({"message": "Service Unavailable"}, 503)
            return JSONResponse({"message": "Internal Server Error"}, 500)
        return api_response(result)

    async def _invoke(self, function: str, event: Any) -> Any:
        """Invoke on a handler thread and await its answer, holding no thread meanwhile."""
        loop = asyncio.get_running_loop()
        answered = asyncio.Event()

        def answer() -> None:  # on the handler's thread
            with contextlib.suppress(RuntimeError):  # the server stopped meanwhile
                loop.call_soon_threadsafe(answered.set)

        call = self.functions.start(function, event, notify=answer)
        while not call.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(answered.wait(), call.time_left())
        return call.result()
