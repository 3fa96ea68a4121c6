"""``/trace/<orderId>``: one order's waterfall in the browser, a page of plain HTML, CSS and
JavaScript shipped in this package, drawn from ``GET /platform/trace/<orderId>`` (the JSON
``ordermesh trace --json`` prints), served by ``ordermesh up`` beside the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordermesh_platform.shared.pages import page_routes
from ordermesh_platform.trace.build import build_trace
from ordermesh_platform.trace.sources import provider_calls

if TYPE_CHECKING:
    from ordermesh_platform.runtime.runtime import LocalRuntime

ASSETS = {
    "trace.html": "text/html; charset=utf-8",
    "trace.js": "text/javascript; charset=utf-8",
    "trace.css": "text/css; charset=utf-8",
}


def routes(runtime: LocalRuntime) -> list[Route]:
    """The page, its assets and the JSON it draws."""

    def trace_json(request: Request) -> Response:  # reads SQLite: on starlette's thread pool
        order_id = request.path_params["order_id"]
        calls, note = provider_calls(runtime.settings.get("PROVIDER_URL"), order_id)
        found = build_trace(runtime, order_id, calls, [note] if note else [])
        status = 200 if found.spans else 404
        return JSONResponse(found.to_json(), status, headers={"cache-control": "no-store"})

    pages = page_routes(
        "ordermesh_platform.trace",
        ASSETS,
        page="trace.html",
        page_path="/trace/{order_id}",
        assets_path="/trace/assets/{name}",
    )
    return [*pages, Route("/platform/trace/{order_id}", trace_json, methods=["GET"])]
