"""The catalog's model from a checkout: the contracts, the registry lock, the manifests, the
OpenAPI documents and the ASL files they name. Nothing here is written by hand."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ordermesh_contracts.can_i_deploy import can_i_deploy
from ordermesh_contracts.catalog import Catalog, EventContract, EventKey, load_catalog
from ordermesh_contracts.check import Project, load_manifests
from ordermesh_contracts.expectations import field_readers
from ordermesh_contracts.lake import lake_spec
from ordermesh_contracts.lake_schema import columns, table_name
from ordermesh_contracts.lock import RegistryLock, load_lock
from ordermesh_contracts.manifest import ServiceManifest, load_manifest
from ordermesh_contracts.resources import manifest_resources
from ordermesh_contracts.routing import version_pattern

from ordermesh_platform.event_catalog import parties
from ordermesh_platform.event_catalog.fields import field_rows
from ordermesh_platform.event_catalog.history import history
from ordermesh_platform.event_catalog.machines import machine_page
from ordermesh_platform.event_catalog.model import (
    CatalogModel,
    Deprecation,
    EventPage,
    Party,
    Route,
    ServicePage,
    Subscribed,
)

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
DEFAULT_DATABASE = "ordermesh_lake"


def build_model(root: Path) -> CatalogModel:
    """Everything the catalog shows, read from the checkout at ``root``."""
    project = Project(root)
    catalog = load_catalog(project.schemas_dir).raise_for_problems()
    lock = load_lock(project.contracts_dir)
    found, _ = load_manifests(project)  # a manifest that does not load is check's to report
    manifests = [load_manifest(m.path, catalog) if m.path else m for m in found]
    model = CatalogModel()
    for contract in sorted(catalog.contracts.values(), key=lambda c: c.key):
        page = _event_page(project, contract, catalog, lock, manifests)
        model.events.append(page)
        model.edges += parties.edges(page.key, page.producers, page.consumers)
    for manifest in manifests:
        model.services.append(_service_page(project, manifest, catalog, model))
        for spec in manifest.state_machines:
            model.machines.append(machine_page(manifest, spec, catalog, root))
    return model


def _event_page(
    project: Project,
    contract: EventContract,
    catalog: Catalog,
    lock: RegistryLock,
    manifests: Sequence[ServiceManifest],
) -> EventPage:
    key, schema = contract.key, contract.schema
    consumers = parties.consumers(contract, manifests, catalog)
    readers = field_readers(manifests, catalog).get(key, {})
    versions = tuple(
        k
        for k in sorted(catalog.contracts)
        if k.detail_type == key.detail_type and k.source == key.source
    )
    spec = lake_spec(manifests)
    database = spec[1].database if spec else DEFAULT_DATABASE
    return EventPage(
        key=key,
        title=str(schema.get("title") or key.detail_type),
        description=str(schema.get("description") or ""),
        schema_file=project.rel(contract.path),
        pattern=version_pattern(contract),
        fields=tuple(field_rows(contract.bundled)),
        readers={path: tuple(map(str, who)) for path, who in readers.items()},
        examples=tuple(
            (p.name, json.dumps(event, indent=2)) for p, event in contract.load_examples()
        ),
        producers=tuple(parties.producers(contract, manifests, catalog)),
        consumers=tuple(consumers),
        history=history(contract, lock),
        versions=versions,
        deprecation=_deprecation(contract, versions, consumers),
        lake_table=f"{database}.{table_name(key.detail_type, key.version)}",
        lake_columns=tuple(columns(contract.bundled)),
    )


def _deprecation(
    contract: EventContract, versions: Sequence[EventKey], consumers: Sequence[Party]
) -> Deprecation | None:
    """An older major is deprecated; the units still subscribing to it keep it published."""
    latest = max(versions, key=lambda k: k.version)
    if latest == contract.key:
        return None
    subscribers = sorted({p.service for p in consumers if p.via.startswith("subscription ")})
    return Deprecation(latest, tuple(subscribers))


def _service_page(
    project: Project, manifest: ServiceManifest, catalog: Catalog, model: CatalogModel
) -> ServicePage:
    path = manifest.path or project.root
    verdict = can_i_deploy(project, path)
    name = manifest.service.name
    subscribed = [
        (page.key, party)
        for page in model.events
        for party in page.consumers
        if party.service == name
    ]
    openapi = manifest.http.openapi if manifest.http else None
    return ServicePage(
        name=name,
        source=manifest.service.source,
        description=manifest.service.description,
        owner=manifest.service.owner or "",
        manifest_file=project.rel(path),
        publishes=tuple(
            page.key for page in model.events if any(p.service == name for p in page.producers)
        ),
        subscribes=tuple(Subscribed(key, party) for key, party in subscribed),
        routes=tuple(
            _routes(path.parent / openapi, manifest) if openapi else _routes(None, manifest)
        ),
        openapi_file=project.rel(path.parent / openapi) if openapi else "",
        state_machines=tuple(spec.name for spec in manifest.state_machines),
        resources=tuple(manifest_resources(manifest, catalog)),
        can_deploy=not verdict.problems,
        deploy_problems=tuple(f"{p.file}{p.pointer}: {p.message}" for p in verdict.problems),
    )


def _routes(openapi: Path | None, manifest: ServiceManifest) -> list[Route]:
    """The routes of the OpenAPI document, else the manifest's route keys."""
    if openapi is None or not openapi.is_file():
        keys = manifest.http.routes if manifest.http else []
        return [Route(*key.partition(" ")[::2], summary="") for key in keys]
    document = json.loads(openapi.read_text(encoding="utf-8"))
    return [
        Route(method.upper(), path, str(operation.get("summary", "")))
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
