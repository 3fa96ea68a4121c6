"""The search index the pages' search box reads (``search-index.json``): one entry per event
version, per field of each, per unit and per owner team, each with the page it leads to."""

from __future__ import annotations

from typing import Any

from ordermesh_platform.event_catalog.model import CatalogModel


def search_index(model: CatalogModel) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for page in model.events:
        parties = " ".join(sorted({p.service for p in (*page.producers, *page.consumers)}))
        entries.append(
            _entry(
                "event", page.key.ref, f"{page.key.source} {page.description} {parties}", page.href
            )
        )
        for row in page.fields:
            readers = " ".join(page.readers.get(row.path, ()))
            text = f"{page.key.ref} {row.type_text} {row.description} {readers}"
            entries.append(
                _entry("field", row.path, text, f"{page.href}#field-{row.path}", page.key.ref)
            )
    teams: dict[str, list[str]] = {}
    for service in model.services:
        text = f"{service.source} {service.description} {service.owner}"
        entries.append(_entry("service", service.name, text, service.href))
        if service.owner:
            teams.setdefault(service.owner, []).append(service.name)
    for team, units in sorted(teams.items()):
        entries.append(
            _entry("team", team, " ".join(units), f"index.html#team-{team}", ", ".join(units))
        )
    return entries


def _entry(kind: str, title: str, text: str, href: str, context: str = "") -> dict[str, Any]:
    return {"kind": kind, "title": title, "context": context, "text": text, "href": href}
