"""The operators' dashboard of the local runtime: ``/dashboard``, a page of plain HTML, CSS and
JavaScript shipped in this package (no library, nothing to build, nothing fetched from the
internet), which polls the analytics API and ``/platform/status`` (dead-letter queues, circuit
breakers, stream consumer lag) and draws its charts as SVG."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordermesh_platform.runtime.status import status

if TYPE_CHECKING:
    from ordermesh_platform.runtime.runtime import LocalRuntime

ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}


def asset(name: str) -> bytes:
    return (resources.files(__package__) / "static" / name).read_bytes()


def routes(runtime: LocalRuntime) -> list[Route]:
    """``/dashboard``, its assets and ``/platform/status``, served beside the APIs."""

    async def page(_: Request) -> Response:
        return Response(asset("index.html"), media_type=ASSETS["index.html"])

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return JSONResponse({"message": "Not Found"}, 404)
        return Response(asset(name), media_type=ASSETS[name], headers={"cache-control": "no-cache"})

    def platform_status(_: Request) -> Response:  # reads SQLite: on starlette's thread pool
        return JSONResponse(status(runtime), headers={"cache-control": "no-store"})

    return [
        Route("/dashboard", page, methods=["GET"]),
        Route("/dashboard/{name}", static, methods=["GET"]),
        Route("/platform/status", platform_status, methods=["GET"]),
    ]
