"""``ordermesh catalog build``: the static site from the checkout, complete and with no broken
link, and generated (a consumer removed from a manifest disappears from the event's page)."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.manifest import discover_manifests, load_manifest
from ordermesh_contracts.resources import manifest_resources
from ordermesh_platform.cli import app
from ordermesh_platform.event_catalog.model import event_href, service_href
from tests.event_catalog.support import ROOT, copy_inputs, links_of
from typer.testing import CliRunner

runner = CliRunner()


def build(root: Path, out: Path) -> Path:
    result = runner.invoke(app, ["catalog", "build", "--root", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(ROOT, tmp_path_factory.mktemp("catalog") / "site")


def test_every_internal_link_and_source_resolves(site: Path) -> None:
    # Given the built site, when every page's href and src are followed
    pages = sorted(site.rglob("*.html"))
    ids = {page: links_of(page).ids for page in pages}
    broken = []
    for page in pages:
        for link in links_of(page).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                continue  # no page links outside the site; checked below
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{page.relative_to(site)}: {link}")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in ids[target]
            ):
                broken.append(f"{page.relative_to(site)}: {link} (no such id)")
    # Then each leads to a file of the site (and to an element, given a fragment)
    assert broken == []
    assert all(not urlsplit(link).scheme for page in pages for link in links_of(page).links)


def test_every_event_version_and_unit_has_its_page(site: Path) -> None:
    catalog = load_catalog(ROOT / "contracts" / "schemas")
    units = [
        path.parent.name if path.name == "service.toml" else "platform"
        for path in discover_manifests(ROOT)
    ]
    missing = [
        href
        for href in (*map(event_href, catalog.contracts), *map(service_href, units))
        if not (site / href).is_file()
    ]
    assert missing == []
    assert len(catalog.contracts) >= 18  # the repository's, not an empty catalog


def test_each_unit_page_lists_its_resources_with_the_logical_ids_of_the_unnamed(
    site: Path,
) -> None:
    # Given each unit's manifest, when its page is read
    catalog = load_catalog(ROOT / "contracts" / "schemas")
    for path in discover_manifests(ROOT):
        manifest = load_manifest(path, catalog)
        page = (site / service_href(manifest.service.name)).read_text(encoding="utf-8")
        # Then a row shows each resource its stacks create, by name and logical id
        for resource in manifest_resources(manifest, catalog):
            logical_id = (
                f"<code>{escape(resource.logical_id)}…</code>" if resource.logical_id else ""
            )
            row = f"<td><code>{escape(resource.name)}</code></td><td>{logical_id}</td>"
            assert row in page, (manifest.service.name, resource)


def test_the_search_index_leads_to_pages_of_the_site(site: Path) -> None:
    entries = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    kinds = {entry["kind"] for entry in entries}
    assert kinds == {"event", "field", "service", "team"}
    assert all((site / urlsplit(entry["href"]).path).is_file() for entry in entries)
    fields = {(entry["context"], entry["title"]) for entry in entries if entry["kind"] == "field"}
    assert ("OrderPlaced@2", "data.lines[].sku") in fields


def test_removing_a_consumer_from_a_manifest_changes_the_event_page(tmp_path: Path) -> None:
    # Given a checkout whose order service subscribes to InventoryReserved@1
    root = copy_inputs(tmp_path / "repo")
    page = event_href(load_catalog(root / "contracts" / "schemas").find("InventoryReserved@1").key)
    before = (build(root, tmp_path / "before") / page).read_text(encoding="utf-8")
    assert "subscription inventory-reserved" in before
    # When that subscription is removed from the manifest and the site built again
    manifest = root / "services" / "order" / "service.toml"
    text = manifest.read_text(encoding="utf-8")
    start = text.index('[[subscriptions]]\nname = "inventory-reserved"')
    end = text.index("[[subscriptions]]", start + 1)
    manifest.write_text(text[:start] + text[end:], encoding="utf-8")
    after = (build(root, tmp_path / "after") / page).read_text(encoding="utf-8")
    # Then the event's page no longer lists it, nor the fields it read
    assert "subscription inventory-reserved" not in after
    assert "order/inventory-reserved" in before
    assert "order/inventory-reserved" not in after


def test_a_folder_that_holds_something_else_is_not_emptied(tmp_path: Path) -> None:
    # Given a folder with a file the catalog did not write
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    # When the site is built into it, then the build is refused and the file kept
    result = runner.invoke(app, ["catalog", "build", "--root", str(ROOT), "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"
    # while a folder it wrote before is rebuilt in place
    build(ROOT, tmp_path / "site")
    (tmp_path / "site" / "stale.html").write_text("old", encoding="utf-8")
    assert not (build(ROOT, tmp_path / "site") / "stale.html").exists()
