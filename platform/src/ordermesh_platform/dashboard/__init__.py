"""The operators' dashboard of the local runtime: ``/dashboard``, a page of plain HTML, CSS and
JavaScript shipped in this package (no library, nothing to build, nothing fetched from the
internet), which polls the analytics API and ``/platform/status`` (dead-letter queues, circuit
breakers, stream consumer lag) and draws its charts as SVG."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordermesh_platform.runtime.status import status
from ordermesh_platform.shared.pages import page_routes

if TYPE_CHECKING:
    from ordermesh_platform.runtime.runtime import LocalRuntime

ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}


def routes(runtime: LocalRuntime) -> list[Route]:
    """``/dashboard``, its assets and ``/platform/status``, served beside the APIs."""

    def platform_status(_: Request) -> Response:  # reads SQLite: on starlette's thread pool
        return JSONResponse(status(runtime), headers={"cache-control": "no-store"})

    pages = page_routes(
        __name__, ASSETS, page="index.html", page_path="/dashboard", assets_path="/dashboard/{name}"
    )
    return [*pages, Route("/platform/status", platform_status, methods=["GET"])]
