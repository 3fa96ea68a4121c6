"""What the catalog says, as data: a page per event version, a page per unit, the state machines
and the graph of who talks to whom. ``build.build_model`` fills it from the repository; the
pages, the search index and the diagrams are drawn from it and from nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ordermesh_contracts.catalog import EventKey
from ordermesh_contracts.resources import Resource

from ordermesh_platform.event_catalog.fields import FieldRow
from ordermesh_platform.event_catalog.history import History


def event_href(key: EventKey) -> str:
    """An event version's page, relative to the site's root."""
    return f"events/{key.domain}/{key.detail_type}/v{key.version}.html"


def service_href(name: str) -> str:
    return f"services/{name}.html"


def machine_href(name: str) -> str:
    return f"state-machines/{name}.html"


@dataclass(frozen=True)
class Party:
    """A producer or consumer of an event version: the unit, how it is declared (``publishes``, a
    subscription's or a rule's name) and the pattern and target of its rule."""

    service: str
    via: str  # "publishes", "subscription saga-succeeded", "rule analytics-feed", ...
    pattern: dict[str, Any] | None = None
    target: str = ""
    description: str = ""


@dataclass(frozen=True)
class Deprecation:
    """An older major version while a newer one exists: who still consumes it."""

    latest: EventKey
    consumers: tuple[str, ...]  # units still subscribing; none: it may be retired


@dataclass(frozen=True)
class EventPage:
    key: EventKey
    title: str
    description: str
    schema_file: str  # relative to the repository
    pattern: dict[str, Any]  # the pattern that selects exactly this version
    fields: tuple[FieldRow, ...]
    readers: dict[str, tuple[str, ...]]  # field path -> consumers declaring they read it
    examples: tuple[tuple[str, str], ...]  # (file name, JSON text)
    producers: tuple[Party, ...]
    consumers: tuple[Party, ...]
    history: History
    versions: tuple[EventKey, ...]  # every major version of the event
    deprecation: Deprecation | None
    lake_table: str
    lake_columns: tuple[dict[str, str], ...]

    @property
    def href(self) -> str:
        return event_href(self.key)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    summary: str


@dataclass(frozen=True)
class Subscribed:
    event: EventKey
    party: Party


@dataclass(frozen=True)
class ServicePage:
    name: str
    source: str
    description: str
    owner: str
    manifest_file: str
    publishes: tuple[EventKey, ...]
    subscribes: tuple[Subscribed, ...]
    routes: tuple[Route, ...]
    openapi_file: str
    state_machines: tuple[str, ...]
    resources: tuple[Resource, ...]
    can_deploy: bool
    deploy_problems: tuple[str, ...]

    @property
    def href(self) -> str:
        return service_href(self.name)


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: str  # "", "catch States.Timeout", "choice", "default"


@dataclass(frozen=True)
class MachinePage:
    name: str
    owner: str  # the unit declaring it
    description: str
    definition_file: str
    start: str
    states: tuple[tuple[str, str, str], ...]  # (name, type, comment)
    transitions: tuple[Transition, ...]
    commands: tuple[EventKey, ...]  # event versions its tasks put on the bus

    @property
    def href(self) -> str:
        return machine_href(self.name)


@dataclass(frozen=True)
class Edge:
    """``producer`` publishes ``event``, which ``consumer`` receives."""

    producer: str
    event: EventKey
    consumer: str


@dataclass
class CatalogModel:
    events: list[EventPage] = field(default_factory=list)
    services: list[ServicePage] = field(default_factory=list)
    machines: list[MachinePage] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def event(self, key: EventKey) -> EventPage:
        return next(page for page in self.events if page.key == key)
