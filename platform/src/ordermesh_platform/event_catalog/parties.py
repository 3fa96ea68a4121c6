"""Who produces and who consumes each event version, from the manifests alone.

A producer publishes the version (``[[publishes]]``). A consumer is a subscription to it (or
naming it in ``also_matches``), or a rule whose pattern matches the version's examples (the
platform's analytics feed, the saga's replies), together with whatever reads that rule's
stream. Each consumer comes with the pattern its rule has on the bus and its target.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ordermesh_contracts.catalog import Catalog, EventContract, EventKey
from ordermesh_contracts.check import resolve
from ordermesh_contracts.manifest import EventRef, ServiceManifest, Target
from ordermesh_contracts.routing import subscription_pattern

from ordermesh_platform.event_catalog.model import Edge, Party
from ordermesh_platform.patterns import compile_pattern


def target_text(target: Target) -> str:
    """A target as one line: ``queue → order_service.entrypoints.saga_events:handler``."""
    return f"{target.kind} → {target.handler or target.name}"


def producers(
    contract: EventContract, manifests: Sequence[ServiceManifest], catalog: Catalog
) -> list[Party]:
    found = []
    for manifest in manifests:
        for pub in manifest.publishes:
            publication = resolve(catalog, pub.ref, pub.ref.source or manifest.service.source)
            if publication is not None and publication.key == contract.key:
                found.append(Party(manifest.service.name, "publishes", description=pub.description))
    return found


def consumers(
    contract: EventContract, manifests: Sequence[ServiceManifest], catalog: Catalog
) -> list[Party]:
    return [*_subscribers(contract, manifests, catalog), *_rule_readers(contract, manifests)]


def _subscribers(
    contract: EventContract, manifests: Sequence[ServiceManifest], catalog: Catalog
) -> Iterator[Party]:
    for manifest in manifests:
        for sub in manifest.subscriptions:
            refs = [sub.ref, *(EventRef.parse(ref) for ref in sub.also_matches)]
            if any(_is(catalog, ref, contract.key) for ref in refs):
                yield Party(
                    manifest.service.name,
                    f"subscription {sub.name}",
                    subscription_pattern(catalog, sub),
                    target_text(sub.target),
                    sub.description,
                )


def _rule_readers(contract: EventContract, manifests: Sequence[ServiceManifest]) -> Iterator[Party]:
    examples = [event for _, event in contract.load_examples()]
    for manifest in manifests:
        for rule in manifest.rules:
            pattern = compile_pattern(rule.pattern)
            if not any(pattern.matches(event) for event in examples):
                continue
            via = f"rule {rule.name}"
            yield Party(
                manifest.service.name, via, rule.pattern, target_text(rule.target), rule.description
            )
            if rule.target.kind == "stream":
                yield from _stream_readers(str(rule.target.name), via, rule.pattern, manifests)


def _stream_readers(
    stream: str, via: str, pattern: dict[str, Any], manifests: Sequence[ServiceManifest]
) -> Iterator[Party]:
    for manifest in manifests:
        for consumer in manifest.stream_consumers:
            if consumer.stream == stream:
                how = f"stream consumer {consumer.name} (stream {stream}, {via})"
                yield Party(manifest.service.name, how, pattern, f"function → {consumer.handler}")


def _is(catalog: Catalog, ref: EventRef, key: EventKey) -> bool:
    found = resolve(catalog, ref, ref.source)
    return found is not None and found.key == key


def edges(key: EventKey, producing: Sequence[Party], consuming: Sequence[Party]) -> list[Edge]:
    """Who talks to whom through ``key``: every producer to every other unit consuming it."""
    receivers = sorted({party.service for party in consuming})
    return [Edge(p.service, key, r) for p in producing for r in receivers if r != p.service]
