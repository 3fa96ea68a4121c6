"""``/catalog`` on the local runtime: the site ``site.build_site`` makes from the checkout the
runtime was wired from, built in memory on the first request of a run (nothing written to disk,
so nothing goes stale; a restart builds it again, with can-i-deploy as the tree is then), and
``/catalog/rates.json``, the events per minute its event pages show."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ordermesh_platform.event_catalog.rates import recent_rates
from ordermesh_platform.event_catalog.site import build_site, media_type

if TYPE_CHECKING:
    from ordermesh_platform.runtime.runtime import LocalRuntime

PREFIX = "/catalog"


class _Site:
    """The site, built once, when first asked for."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, bytes] | None = None
        self._lock = threading.Lock()

    def get(self, name: str) -> bytes | None:
        with self._lock:
            if self._files is None:
                self._files = build_site(self.root)
            return self._files.get(name)


def routes(runtime: LocalRuntime, root: Path) -> list[Route]:
    site = _Site(root)

    async def redirect(_: Request) -> Response:  # the pages' links are relative to the folder
        return RedirectResponse(f"{PREFIX}/", status_code=308)

    def page(request: Request) -> Response:  # builds the site: on starlette's thread pool
        name = request.path_params.get("path") or "index.html"
        body = site.get(name + "index.html" if name.endswith("/") else name)
        if body is None:
            return JSONResponse({"message": "Not Found"}, 404)
        return Response(body, media_type=media_type(name), headers={"cache-control": "no-cache"})

    def rates(_: Request) -> Response:  # reads SQLite: on starlette's thread pool
        now = runtime.clock.now()
        found = recent_rates(runtime.store.connection(), runtime.options.bus_name, now)
        return JSONResponse(found, headers={"cache-control": "no-store"})

    return [
        Route(PREFIX, redirect, methods=["GET"]),
        Route(f"{PREFIX}/rates.json", rates, methods=["GET"]),
        Route(f"{PREFIX}/", page, methods=["GET"]),
        Route(PREFIX + "/{path:path}", page, methods=["GET"]),
    ]
