"""A copy of the checkout's inputs to the catalog (contracts, manifests, OpenAPI documents, the
saga's ASL), for tests that change one of them, and a reader of a built site's links."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
INPUTS = (
    "contracts/schemas",
    "contracts/released",
    "contracts/registry.lock.json",
    "platform/platform.toml",
    "platform/saga",
    *(
        f"services/{name}/{file}"
        for name in ("order", "inventory", "payment", "analytics")
        for file in ("service.toml", "openapi.json")
    ),
)


def copy_inputs(target: Path) -> Path:
    for name in INPUTS:
        source, copy = ROOT / name, target / name
        if source.is_dir():
            shutil.copytree(source, copy)
        elif source.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
    return target


class Links(HTMLParser):
    """Every ``href`` and ``src`` of a page, and every ``id`` it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, _tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            if name == "id" and value is not None:
                self.ids.add(value)


def links_of(page: Path) -> Links:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser
