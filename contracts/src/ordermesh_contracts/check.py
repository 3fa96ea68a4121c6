"""``ordermesh contracts check``: everything that must hold for the contracts to be released.

Every schema is valid draft 4 and bundles; every version has at least two examples and they
validate; released versions changed only as their mode allows; versions are contiguous; every
event has a producer in some manifest; every publication and subscription names an existing
version, owned by the right source; every field a subscription reads exists in its version and
survives a new revision or major version (``read_breaks``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jsonschema_rs

from ordermesh_contracts.catalog import Catalog, EventContract, EventKey, load_catalog
from ordermesh_contracts.draft4_keywords import later_keywords
from ordermesh_contracts.errors import ContractError, Problem
from ordermesh_contracts.lock import RegistryLock, load_lock
from ordermesh_contracts.manifest import (
    EventRef,
    ServiceManifest,
    discover_manifests,
    load_manifest,
)
from ordermesh_contracts.read_breaks import read_breaks
from ordermesh_contracts.validation import ContractValidator

MIN_EXAMPLES = 2
DRAFT4 = "http://json-schema.org/draft-04/schema#"


@dataclass(frozen=True)
class Project:
    """Where the contracts live inside a checkout."""

    root: Path

    @property
    def contracts_dir(self) -> Path:
        return self.root / "contracts"

    @property
    def schemas_dir(self) -> Path:
        return self.contracts_dir / "schemas"

    def rel(self, path: Path) -> str:
        """``path`` relative to the root, as problems name files (else as given)."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    @classmethod
    def find(cls, start: Path) -> Project:
        for candidate in (start, *start.resolve().parents):
            if (candidate / "contracts" / "schemas").is_dir():
                return cls(candidate)
        raise FileNotFoundError(f"no contracts/schemas in {start} or any folder above it")


def check_project(project: Project) -> list[Problem]:
    catalog = load_catalog(project.schemas_dir)
    problems = list(catalog.problems)
    for contract in sorted(catalog.contracts.values(), key=lambda c: c.key):
        problems += _schema_problems(project, contract)
    if not problems:  # examples need schemas that compile
        problems += _example_problems(project, catalog)
    problems += _contiguity_problems(project, catalog)
    problems += _lock_problems(project, catalog)
    problems += _manifest_problems(project, catalog)
    return sorted(set(problems))


def _schema_problems(project: Project, contract: EventContract) -> list[Problem]:
    rel = project.rel(contract.path)
    if contract.schema.get("$schema") != DRAFT4:
        return [Problem(rel, "#/$schema", f"must be {DRAFT4!r} (JSONSchemaDraft4)")]
    try:
        bundled = contract.bundled
    except ContractError as exc:
        return [Problem(rel, p.pointer, p.message) for p in exc.problems]
    try:
        jsonschema_rs.meta.validate(bundled)
        jsonschema_rs.Draft4Validator(bundled)
    except (jsonschema_rs.ValidationError, ValueError) as exc:
        where = "#" + "".join(f"/{p}" for p in getattr(exc, "instance_path", []))
        return [Problem(rel, where, f"not a valid draft 4 schema: {exc}")]
    return [
        Problem(
            rel,
            f"#{pointer}",
            f"{pointer.rsplit('/', 1)[-1]} is a {draft} keyword: draft 4 validators and the "
            "EventBridge schema registry ignore it, so it would constrain nothing",
        )
        for pointer, draft in later_keywords(contract.schema)
    ]


def _example_problems(project: Project, catalog: Catalog) -> list[Problem]:
    validator = ContractValidator(catalog)
    problems = []
    for key, contract in sorted(catalog.contracts.items()):
        folder = project.rel(contract.path.parent / "examples" / f"v{key.version}")
        if len(contract.examples) < MIN_EXAMPLES:
            msg = f"{key.ref} needs at least {MIN_EXAMPLES} examples, has {len(contract.examples)}"
            problems.append(Problem(folder, "", msg))
        for path, event in _examples(project, contract, problems):
            found = validator.violations(event)
            if not found and (claimed := validator.contract_for(event).key.ref) != key.ref:
                msg = f"is an example of {key.ref} but is a {claimed} event"
                problems.append(Problem(project.rel(path), "#", msg))
            problems += [
                Problem(project.rel(path), "#" + v.pointer, f"{v.event}: {v.reason}") for v in found
            ]
    return problems


def _examples(
    project: Project, contract: EventContract, problems: list[Problem]
) -> list[tuple[Path, object]]:
    try:
        return contract.load_examples()
    except ValueError as exc:
        problems.append(Problem(project.rel(contract.path.parent), "", f"bad example: {exc}"))
        return []


def _contiguity_problems(project: Project, catalog: Catalog) -> list[Problem]:
    problems = []
    for source, name in catalog.events():
        versions = catalog.versions(source, name)
        if versions != list(range(1, len(versions) + 1)):
            folder = project.rel(catalog.contracts[EventKey(source, name, versions[0])].path.parent)
            msg = f"versions must be v1..vN with no gap, found {[f'v{v}' for v in versions]}"
            problems.append(Problem(folder, "", msg))
    return problems


def _lock_problems(project: Project, catalog: Catalog) -> list[Problem]:
    try:
        lock = load_lock(project.contracts_dir)
        problems = [
            p for key in sorted(lock.versions) for p in _locked(project, catalog, lock, key)
        ]
    except ContractError as exc:
        return exc.problems
    manifests, _ = load_manifests(project)  # the manifest checks report those that do not load
    return problems + read_breaks(manifests, catalog, lock, lambda f: project.rel(Path(f)))


def _locked(project: Project, catalog: Catalog, lock: RegistryLock, key: EventKey) -> list[Problem]:
    contract = catalog.contracts.get(key)
    if contract is None:
        return [Problem(project.rel(lock.path), "", f"released {key} has no schema any more")]
    result = lock.compare(contract)
    if result is None or result.compatible:
        return []
    rel = project.rel(contract.path)
    advice = f"a breaking change needs {key.detail_type}@{key.version + 1}"
    return [
        Problem(
            rel,
            v.change.pointer,
            f"{v.change.type}: {v.change.message} "
            f"(breaks {result.mode} against {v.label}; {advice})",
        )
        for v in result.violations
    ]


def load_manifests(project: Project) -> tuple[list[ServiceManifest], list[Problem]]:
    """Every manifest of the project that loads, and the problems of those that do not."""
    problems: list[Problem] = []
    manifests: list[ServiceManifest] = []
    for path in discover_manifests(project.root):
        try:
            manifests.append(load_manifest(path))
        except ContractError as exc:
            problems += [
                Problem(project.rel(Path(p.file)), p.pointer, p.message) for p in exc.problems
            ]
    return manifests, problems


def _manifest_problems(project: Project, catalog: Catalog) -> list[Problem]:
    manifests, problems = load_manifests(project)
    produced: set[tuple[str, str, int]] = set()
    for manifest in manifests:
        rel = project.rel(manifest.path or project.root)
        for i, pub in enumerate(manifest.publishes):
            ref = pub.ref
            source = ref.source or manifest.service.source
            found = resolve(catalog, ref, source)
            where = f"#/publishes/{i}/event"
            if found is None:
                problems.append(Problem(rel, where, f"{pub.event}: no such contract from {source}"))
            else:
                produced.add((found.key.source, found.key.detail_type, found.key.version))
        for i, sub in enumerate(manifest.subscriptions):
            if resolve(catalog, sub.ref, sub.ref.source) is None:
                where = f"#/subscriptions/{i}/event"
                problems.append(Problem(rel, where, f"{sub.event}: no such contract version"))
    for key, contract in sorted(catalog.contracts.items()):
        if (key.source, key.detail_type, key.version) not in produced:
            msg = f"{key.ref} has no producer: no manifest publishes it from {key.source}"
            problems.append(Problem(project.rel(contract.path), "", msg))
    return problems


def resolve(catalog: Catalog, ref: EventRef, source: str | None) -> EventContract | None:
    """The one contract ``ref`` names from ``source`` (any source when None), else None."""
    return catalog.lookup(ref.name, ref.version, source)
