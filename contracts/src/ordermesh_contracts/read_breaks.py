"""``contracts check`` from the consumer's side: a change must keep the fields consumers read.

For every consumer declaring ``reads`` (a subscription; per event version, a stream consumer, a
rule or a topic subscription), each path is followed through:

- the latest released revision of its event version and the schema in the tree, when the tree
  changed it since (a new revision): the path must still be there, with no type the released
  revision did not allow, and still required if it was;
- every later major version of the event not yet in the lock (a new major version), the same
  way: its consumers would have to change their handler to move to it.

A path the version read has nowhere is reported as unknown, as is a version the catalog lacks.
Problems are reported at the changed schema and name the consumer (service/name), the event
version and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ordermesh_contracts.catalog import Catalog, EventContract, EventKey
from ordermesh_contracts.errors import ContractError, Problem
from ordermesh_contracts.expectations import Expectation, bundled, expectations, unknown_events
from ordermesh_contracts.field_paths import FieldPath, Step, Walk, walk
from ordermesh_contracts.lock import RegistryLock
from ordermesh_contracts.manifest import ServiceManifest


@dataclass(frozen=True)
class _Change:
    """A schema a consumer's reads are checked against: ``label`` says what it is."""

    label: str
    file: Path
    advice: str
    schema: dict[str, Any] | None = None


def read_breaks(
    manifests: Iterable[ServiceManifest],
    catalog: Catalog,
    lock: RegistryLock,
    rel: Callable[[str], str] = str,
) -> list[Problem]:
    """A problem per field a consumer reads that a new revision or major version breaks."""
    manifests = list(manifests)
    problems = [
        Problem(rel(p.file), p.pointer, p.message)
        for manifest in manifests
        for p in unknown_events(manifest, catalog)
    ]
    for expected in expectations(manifests, catalog):
        current = bundled(expected.contract)
        if current is None:
            continue
        released = _released(expected, lock)
        majors = _new_majors(expected.contract, catalog, lock)
        for position, path in expected.paths:
            where = f"{rel(expected.consumer.manifest)}{expected.pointer(position)}"
            now = walk(current, path)
            before = walk(released.schema or {}, path) if released else now
            if now.missing is not None and not before.found:
                problems.append(expected.unknown(position, path, now.missing, rel))
                continue
            checks = [(released, before, now)] if released and before.found else []
            checks += [(m, now, walk(m.schema or {}, path)) for m in majors if now.found]
            for change, old, new in checks:
                what = _what_breaks(path, old, new)
                if what is not None:
                    msg = f"{change.label} {what}, which {expected.consumer} reads ({where}); "
                    problems.append(Problem(rel(str(change.file)), "", msg + change.advice))
    return problems


def _released(expected: Expectation, lock: RegistryLock) -> _Change | None:
    """The latest released revision, when the tree has changed it since."""
    contract = expected.contract
    locked = lock.versions.get(contract.key)
    if locked is None or not locked.revisions:
        return None
    try:
        if locked.latest.fingerprint == contract.fingerprint:
            return None
        history = lock.history(contract.key)
    except ContractError:
        return None  # the lock checks report an unreadable or tampered snapshot
    key = contract.key
    label = f"{key.ref} as changed since r{locked.latest.revision}"
    advice = f"a change its consumers cannot read needs {key.detail_type}@{key.version + 1}"
    return _Change(label, contract.path, advice, history[-1])


def _new_majors(contract: EventContract, catalog: Catalog, lock: RegistryLock) -> list[_Change]:
    key = contract.key
    changes = []
    for version in catalog.versions(key.source, key.detail_type):
        later = EventKey(key.source, key.detail_type, version)
        schema = bundled(catalog.contracts[later]) if version > key.version else None
        if schema is None or later in lock.versions:
            continue
        advice = (
            f"keep it in {later.ref}, or release {later.ref} knowing the consumer must change "
            f"its handler to move; {key.ref} stays published while a manifest subscribes to it"
        )
        label = f"{later.ref} (a new major version)"
        changes.append(_Change(label, catalog.contracts[later].path, advice, schema))
    return changes


def _what_breaks(path: FieldPath, before: Walk, after: Walk) -> str | None:
    """The first way ``after`` breaks a reader of ``path`` in ``before``: along the way a retype
    (``data.lines[]`` no longer objects) or a field made optional, else the field gone."""
    for old, new in zip(before.steps, after.steps, strict=False):
        if _retyped(old, new):
            return f"retypes {new.path} from {_names(old.types)} to {_names(new.types)}"
        if old.required and not new.required:
            return f"makes {new.path} optional"
    if not after.found:
        return f"removes {path} ({after.missing})"
    return None


def _retyped(old: Step, new: Step) -> bool:
    """Whether a value at ``new`` may have a type the reader of ``old`` did not expect."""
    if old.types is None:
        return False
    if new.types is None:
        return True
    allowed = old.types | ({"integer"} if "number" in old.types else set())
    return not new.types <= allowed


def _names(types: frozenset[str] | None) -> str:
    return " or ".join(sorted(types)) if types else "any type"
