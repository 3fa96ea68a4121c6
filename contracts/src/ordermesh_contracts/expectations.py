"""Consumers' expectations: the fields of an event version each subscription says it reads.

A subscription's ``reads`` (``data.lines[].sku``, see ``field_paths``) names the fields its
handler reads from the event's detail. ``unknown_reads`` refuses a path the subscribed version's
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
    from ordermesh_contracts.manifest import ServiceManifest, Subscription


@dataclass(frozen=True, order=True)
class Consumer:
    """One subscription of one unit: ``order/saga-succeeded``, declared in ``manifest``."""

    service: str
    subscription: str
    manifest: str

    def __str__(self) -> str:
        return f"{self.service}/{self.subscription}"


@dataclass(frozen=True)
class Expectation:
    """A subscription (the ``index``-th of its manifest) reads ``paths`` of ``contract``."""

    consumer: Consumer
    index: int
    contract: EventContract
    paths: tuple[tuple[int, FieldPath], ...]  # (position in ``reads``, path)

    def pointer(self, position: int) -> str:
        return f"#/subscriptions/{self.index}/reads/{position}"

    def unknown(
        self, position: int, path: FieldPath, missing: str, rel: Callable[[str], str] = str
    ) -> Problem:
        """The problem of a path this subscription reads that its event version does not have."""
        msg = (
            f"subscription {self.consumer.subscription!r} reads {str(path)!r}, "
            f"which {self.contract.key.ref} does not have: {missing}"
        )
        return Problem(rel(self.consumer.manifest), self.pointer(position), msg)


def expectations(manifests: Iterable[ServiceManifest], catalog: Catalog) -> Iterator[Expectation]:
    """Every subscription declaring ``reads`` whose event version is in ``catalog``."""
    for manifest in manifests:
        for index, sub in enumerate(manifest.subscriptions):
            contract = _contract(catalog, sub)
            if contract is None or not sub.reads:
                continue  # an unknown version is reported by the manifest checks
            consumer = Consumer(manifest.service.name, sub.name, str(manifest.path or ""))
            paths = tuple((i, FieldPath.parse(p)) for i, p in enumerate(sub.reads))
            yield Expectation(consumer, index, contract, paths)


def unknown_reads(manifest: ServiceManifest, catalog: Catalog) -> list[Problem]:
    """A problem per path a subscription reads that its event version's schema does not have."""
    problems = []
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
        key: {path: sorted(consumers) for path, consumers in sorted(fields.items())}
        for key, fields in sorted(readers.items())
    }


def _contract(catalog: Catalog, sub: Subscription) -> EventContract | None:
    return catalog.lookup(sub.ref.name, sub.ref.version, sub.ref.source)


def bundled(contract: EventContract) -> dict[str, Any] | None:
    """The contract's bundled schema; None when it does not bundle (the schema checks say why)."""
    try:
        return contract.bundled
    except ContractError:
        return None
