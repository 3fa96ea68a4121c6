"""The catalog as a static site: every page, the diagrams, the search index and the assets, as
``{relative path: bytes}``. ``ordermesh catalog build`` writes it to a folder (and the workflow
publishes that folder); ``ordermesh up`` serves it from memory at ``/catalog``. Every link is
relative, so the site works under any prefix (``/catalog/``, a GitHub Pages project path)."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

from ordermesh_platform.event_catalog.build import build_model
from ordermesh_platform.event_catalog.pages import render_pages
from ordermesh_platform.event_catalog.search import search_index

DEFAULT_OUT = Path("build") / "catalog"  # relative to the checkout; build/ is ignored by git
MARKER = ".ordermesh-catalog"  # in a folder this module wrote: it may be emptied and rewritten
ASSETS = ("catalog.css", "catalog.js")
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}


def media_type(name: str) -> str:
    return _TYPES.get(Path(name).suffix, "application/octet-stream")


def build_site(root: Path) -> dict[str, bytes]:
    """Every file of the site of the checkout at ``root``."""
    model = build_model(root)
    site = {name: text.encode() for name, text in render_pages(model).items()}
    site["search-index.json"] = json.dumps(search_index(model), indent=1).encode()
    for name in ASSETS:
        site[f"assets/{name}"] = (resources.files(__package__) / "assets" / name).read_bytes()
    return site


def write_site(root: Path, out: Path) -> int:
    """Write the site into ``out``, emptied first (no page of a removed event stays behind);
    answers how many files were written. A folder that is not empty and that this function did
    not write is refused (``FileExistsError``), never emptied."""
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise FileExistsError(f"{out} is not empty and holds no catalog: give another --out")
    site = build_site(root)
    if out.exists():
        shutil.rmtree(out)
    site[MARKER] = b"written by ordermesh catalog build; emptied by the next build\n"
    for name, body in site.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return len(site)
