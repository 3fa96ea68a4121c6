"""The runtime's pages (the dashboard, the order trace): a page and its assets, plain files
shipped as package data, served as they are (nothing to build, nothing fetched)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def page_routes(
    package: str, assets: Mapping[str, str], *, page: str, page_path: str, assets_path: str
) -> list[Route]:
    """``page_path`` answers the asset ``page``; ``assets_path`` (with ``{name}``) any of
    ``assets`` (file name to media type) from the package's ``static`` folder."""

    def read(name: str) -> bytes:
        return (resources.files(package) / "static" / name).read_bytes()

    async def serve_page(_: Request) -> Response:
        return Response(read(page), media_type=assets[page])

    async def serve_asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in assets:
            return JSONResponse({"message": "Not Found"}, 404)
        return Response(read(name), media_type=assets[name], headers={"cache-control": "no-cache"})

    return [
        Route(page_path, serve_page, methods=["GET"]),
        Route(assets_path, serve_asset, methods=["GET"]),
    ]
