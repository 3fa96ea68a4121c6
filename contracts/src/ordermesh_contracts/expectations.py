"""Consumers' expectations: the fields of an event version each consumer says it reads.

A subscription's ``reads`` (``data.lines[].sku``, see ``field_paths``) names the fields its
handler reads from the event's detail; a stream consumer, a rule or a topic subscription, which
get several event versions, name them per version (``[[...reads]]``, ``event = "*"`` for every
version). ``unknown_reads`` refuses a path the subscribed version's
schema does not have; ``field_readers`` answers, per event version and field, who reads it (what
the catalog shows a producer before a change); ``read_breaks`` checks changes against them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ordermesh_contracts.errors import ContractError, Problem
from ordermesh_contracts.field_paths import FieldPath, walk

if TYPE_CHECKING:
    from ordermesh_contracts.catalog import Catalog, EventContract, EventKey
    from ordermesh_contracts.manifest import EventReads, EventRef, ServiceManifest


@dataclass(frozen=True, order=True)
class Consumer:
    """One subscription of one unit: ``order/saga-succeeded``, declared in ``manifest``."""

    service: str
    subscription: str
    manifest: str

    def __str__(self) -> str:
        return f"{self.service}/{self.subscription}"


@dataclass(frozen=True)
class Declared:
    """What one consumer of a unit says it reads of ``event`` (a ref, or ``*`` for every version
    of the catalog): the ``kind`` of consumer, its manifest pointer ``at`` the list of paths."""

    kind: str  # "subscription", "stream consumer", "rule", "topic subscription"
    name: str
    at: str  # "#/stream_consumers/0/reads/2/fields"
    event: EventRef | None  # None: every event version of the catalog
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Expectation:
    """A consumer declared in a manifest reads ``paths`` of ``contract``."""

    consumer: Consumer
    declared: Declared
    contract: EventContract
    paths: tuple[tuple[int, FieldPath], ...]  # (position in the declared list, path)

    def pointer(self, position: int) -> str:
        return f"{self.declared.at}/{position}"

    def unknown(
        self, position: int, path: FieldPath, missing: str, rel: Callable[[str], str] = str
    ) -> Problem:
        """The problem of a path this consumer reads that its event version does not have."""
        msg = (
            f"{self.declared.kind} {self.declared.name!r} reads {str(path)!r}, "
            f"which {self.contract.key.ref} does not have: {missing}"
        )
        return Problem(rel(self.consumer.manifest), self.pointer(position), msg)


def declared_reads(manifest: ServiceManifest) -> Iterator[Declared]:
    """Every list of fields the manifest's consumers say they read, each of one event (or all)."""
    for i, sub in enumerate(manifest.subscriptions):
        yield Declared(
            "subscription", sub.name, f"#/subscriptions/{i}/reads", sub.ref, (*sub.reads,)
        )
    for i, consumer in enumerate(manifest.stream_consumers):
        yield from _per_event(
            "stream consumer", consumer.name, f"#/stream_consumers/{i}", consumer.reads
        )
    for i, rule in enumerate(manifest.rules):
        yield from _per_event("rule", rule.name, f"#/rules/{i}", rule.reads)
    for t, topic in enumerate(manifest.topics):
        for s, topic_sub in enumerate(topic.subscriptions):
            name = f"{topic.name}/{topic_sub.name}"
            yield from _per_event(
                "topic subscription", name, f"#/topics/{t}/subscriptions/{s}", topic_sub.reads
            )


def _per_event(kind: str, name: str, at: str, reads: Iterable[EventReads]) -> Iterator[Declared]:
    for i, read in enumerate(reads):
        yield Declared(kind, name, f"{at}/reads/{i}/fields", read.ref, (*read.fields,))


def expectations(manifests: Iterable[ServiceManifest], catalog: Catalog) -> Iterator[Expectation]:
    """Every declared list of fields read, per event version of ``catalog`` it names."""
    for manifest in manifests:
        for declared in declared_reads(manifest):
            consumer = Consumer(manifest.service.name, declared.name, str(manifest.path or ""))
            paths = tuple((i, FieldPath.parse(p)) for i, p in enumerate(declared.paths))
            for contract in _contracts(catalog, declared.event):
                if paths:
                    yield Expectation(consumer, declared, contract, paths)


def unknown_events(manifest: ServiceManifest, catalog: Catalog) -> list[Problem]:
    """A problem per event version a consumer's ``reads`` names that the catalog does not have
    (a subscription's own event is reported by the manifest checks)."""
    return [
        Problem(
            str(manifest.path or ""),
            declared.at.removesuffix("/fields") + "/event",
            f"{declared.kind} {declared.name!r} reads fields of {declared.event}: "
            "no such contract version",
        )
        for declared in declared_reads(manifest)
        if declared.kind != "subscription" and not _contracts(catalog, declared.event)
    ]


def unknown_reads(manifest: ServiceManifest, catalog: Catalog) -> list[Problem]:
    """A problem per path a consumer reads that its event version's schema does not have, and
    per event version it names that the catalog does not have."""
    problems = unknown_events(manifest, catalog)
    for expected in expectations([manifest], catalog):
        schema = bundled(expected.contract)
        if schema is None:
            continue  # a schema that does not bundle is reported by the schema checks
        for position, path in expected.paths:
            found = walk(schema, path)
            if found.missing is not None:
                problems.append(expected.unknown(position, path, found.missing))
    return problems


def field_readers(
    manifests: Iterable[ServiceManifest], catalog: Catalog
) -> dict[EventKey, dict[str, list[Consumer]]]:
    """Per event version and field path (as declared), the consumers that read it, sorted."""
    readers: dict[EventKey, dict[str, list[Consumer]]] = {}
    for expected in expectations(manifests, catalog):
        fields = readers.setdefault(expected.contract.key, {})
        for _, path in expected.paths:
            fields.setdefault(str(path), []).append(expected.consumer)
    return {
        key: {path: sorted(set(consumers)) for path, consumers in sorted(fields.items())}
        for key, fields in sorted(readers.items())
    }


def _contracts(catalog: Catalog, ref: EventRef | None) -> list[EventContract]:
    """The contracts ``ref`` names: every one for None, else the one version (or none)."""
    if ref is None:
        return [catalog.contracts[key] for key in sorted(catalog.contracts)]
    found = catalog.lookup(ref.name, ref.version, ref.source)
    return [] if found is None else [found]


def bundled(contract: EventContract) -> dict[str, Any] | None:
    """The contract's bundled schema; None when it does not bundle (the schema checks say why)."""
    try:
        return contract.bundled
    except ContractError:
        return None
