"""The catalog's HTML pages, rendered with Jinja2 from the model: the index, a page per event
version, per unit and per state machine, and the graph. Each page gets ``root``, the relative
path back to the site's root, so that every link is relative."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ordermesh_platform.event_catalog.diagrams import graph_svg, machine_svg
from ordermesh_platform.event_catalog.model import (
    CatalogModel,
    event_href,
    machine_href,
    service_href,
)


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ordermesh_platform.event_catalog", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pretty"] = lambda value: json.dumps(value, indent=2)
    env.globals.update(event_href=event_href, service_href=service_href, machine_href=machine_href)
    return env


def render_pages(model: CatalogModel) -> dict[str, str]:
    """``{path: html}`` for every page of the site."""
    env = environment()
    teams: dict[str, list[str]] = {}
    for service in model.services:
        teams.setdefault(service.owner or "(no owner)", []).append(service.name)

    def render(path: str, template: str, **context: Any) -> tuple[str, str]:
        root = "../" * path.count("/")
        return path, env.get_template(template).render(root=root, model=model, **context)

    pages = dict(
        [
            render("index.html", "index.html", teams=dict(sorted(teams.items()))),
            render("graph.html", "graph.html", svg=graph_svg(model, prefix="")),
        ]
    )
    for event in model.events:
        pages.update([render(event.href, "event.html", event=event)])
    for service in model.services:
        pages.update([render(service.href, "service.html", service=service)])
    for machine in model.machines:
        pages.update(
            [render(machine.href, "machine.html", machine=machine, svg=machine_svg(machine))]
        )
    return pages
