"""``ordermesh contracts can-i-deploy UNIT``: may one deployable unit go out as the tree has it?

A unit is a service (``services/<name>/service.toml``) or the platform (``platform/platform.toml``).
It can deploy when:

- every event version it publishes or subscribes to is recorded in ``contracts/registry.lock.json``
  and the schema in the tree is that version's latest released revision (same fingerprint), so
  the deployment depends on nothing unreleased or changed since its release;
- it publishes only events whose source, in the catalog, is its own;
- every event it subscribes to has a publisher: a manifest publishing it from the catalog's source;
- every other unit's subscription to an event of its source still has that publisher.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ordermesh_contracts.catalog import Catalog, EventContract, EventKey, load_catalog
from ordermesh_contracts.check import Project, load_manifests, resolve
from ordermesh_contracts.errors import ContractError, Problem
from ordermesh_contracts.lock import RegistryLock, load_lock
from ordermesh_contracts.manifest import ServiceManifest, discover_manifests


@dataclass(frozen=True)
class Verdict:
    """What can-i-deploy found for one unit; it can deploy when there are no problems."""

    unit: str
    publishes: int
    subscriptions: int
    problems: list[Problem]


def find_unit(project: Project, spec: str, cwd: Path | None = None) -> Path:
    """The manifest ``spec`` names: a manifest file, the folder holding it, or the folder's name
    (``order``, ``platform``). Raises ``LookupError`` listing the units."""
    manifests = {path.resolve(): path for path in discover_manifests(project.root)}
    for base in (cwd or Path.cwd(), project.root):
        candidate = (base / spec).resolve()
        for name in (candidate, *(candidate / m.name for m in manifests.values())):
            if name in manifests:
                return manifests[name]
    by_name = {path.parent.name: path for path in manifests.values()}
    if spec in by_name:
        return by_name[spec]
    units = ", ".join(sorted(by_name))
    raise LookupError(f"no unit {spec!r}: give its folder, its manifest or one of {units}")


def can_i_deploy(project: Project, manifest: Path) -> Verdict:
    """Check the unit whose manifest is ``manifest`` against the lock and the other manifests."""
    catalog = load_catalog(project.schemas_dir)
    manifests, problems = load_manifests(project)
    problems += catalog.problems
    unit = next((m for m in manifests if m.path and m.path.resolve() == manifest.resolve()), None)
    name = unit.service.name if unit else manifest.parent.name
    try:
        lock = load_lock(project.contracts_dir)
    except ContractError as exc:
        return Verdict(name, 0, 0, sorted({*problems, *exc.problems}))
    if unit is None:  # it did not load: its problems are listed
        return Verdict(name, 0, 0, sorted(set(problems)))
    registry = _Registry(project, catalog, lock, manifests)
    problems += registry.publication_problems(unit)
    problems += registry.subscription_problems(unit)
    problems += registry.dependent_problems(unit)
    return Verdict(name, len(unit.publishes), len(unit.subscriptions), sorted(set(problems)))


@dataclass(frozen=True)
class _Registry:
    project: Project
    catalog: Catalog
    lock: RegistryLock
    manifests: list[ServiceManifest]

    def publication_problems(self, unit: ServiceManifest) -> list[Problem]:
        rel, own = self._rel(unit), unit.service.source
        problems = []
        for i, pub in enumerate(unit.publishes):
            where = f"#/publishes/{i}/event"
            contract = resolve(self.catalog, pub.ref, pub.ref.source or own)
            if contract is None:
                msg = f"{pub.event}: no such contract version from {pub.ref.source or own}"
                problems.append(Problem(rel, where, msg))
                continue
            if contract.key.source != own:
                msg = f"{pub.event}: the event's source is {contract.key.source}, not {own}"
                problems.append(Problem(rel, where, msg))
            problems += self._release_problems(contract, rel, where, pub.event)
        return problems

    def subscription_problems(self, unit: ServiceManifest) -> list[Problem]:
        rel = self._rel(unit)
        problems = []
        for i, sub in enumerate(unit.subscriptions):
            where = f"#/subscriptions/{i}/event"
            contract = resolve(self.catalog, sub.ref, sub.ref.source)
            if contract is None:
                problems.append(Problem(rel, where, f"{sub.event}: no such contract version"))
                continue
            problems += self._release_problems(contract, rel, where, sub.event)
            problems += self._publisher_problems(contract.key, rel, where, sub.event)
        return problems

    def dependent_problems(self, unit: ServiceManifest) -> list[Problem]:
        """Other units' subscriptions to events of this unit's source that nobody publishes."""
        problems = []
        for other in self.manifests:
            if other is unit:
                continue
            for i, sub in enumerate(other.subscriptions):
                contract = resolve(self.catalog, sub.ref, sub.ref.source)
                if contract is not None and contract.key.source == unit.service.source:
                    where = f"#/subscriptions/{i}/event"
                    event = f"{sub.event} ({other.service.name} subscribes)"
                    problems += self._publisher_problems(
                        contract.key, self._rel(other), where, event
                    )
        return problems

    def _release_problems(
        self, contract: EventContract, rel: str, where: str, event: str
    ) -> list[Problem]:
        key, schema = contract.key, self.project.rel(contract.path)
        locked = self.lock.versions.get(key)
        advice = f"(ordermesh contracts release {key.ref})"
        if locked is None:
            msg = f"{event}: {key} is not released in {self.project.rel(self.lock.path)} {advice}"
            return [Problem(rel, where, msg)]
        try:
            current = contract.fingerprint
        except ContractError as exc:
            return [Problem(rel, where, f"{event}: {schema}: {p.message}") for p in exc.problems]
        if current != locked.latest.fingerprint:
            released = f"{key} r{locked.latest.revision}"
            msg = f"{event}: {schema} has changed since {released} was released {advice}"
            return [Problem(rel, where, msg)]
        return []

    def _publisher_problems(self, key: EventKey, rel: str, where: str, event: str) -> list[Problem]:
        publishers: list[ServiceManifest] = []
        elsewhere: list[ServiceManifest] = []
        for manifest in self.manifests:
            source = manifest.service.source
            for pub in manifest.publishes:
                contract = resolve(self.catalog, pub.ref, pub.ref.source or source)
                if contract is not None and contract.key == key:
                    (publishers if source == key.source else elsewhere).append(manifest)
        if publishers:
            return []
        msg = f"{event}: no manifest publishes {key}"
        if elsewhere:
            units = ", ".join(f"{m.service.name} ({m.service.source})" for m in elsewhere)
            msg += f"; {units} declare it but may only publish from their own source"
        return [Problem(rel, where, msg)]

    def _rel(self, manifest: ServiceManifest) -> str:
        return self.project.rel(manifest.path or self.project.root)
