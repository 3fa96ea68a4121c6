"""The registry lock: every released contract version, its revisions and compatibility mode.

``contracts/registry.lock.json`` lists, per ``source/Name@N``, the compatibility mode and each
released revision (fingerprint and date). The schema of each revision, bundled as it was
released, is kept under ``contracts/released/`` so later edits can be checked against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ordermesh_contracts.bundle import fingerprint
from ordermesh_contracts.catalog import Catalog, EventContract, EventKey
from ordermesh_contracts.compat import CompatibilityResult, Mode, check_history
from ordermesh_contracts.errors import ContractError, Problem

LOCK_FILE = "registry.lock.json"
RELEASED_DIR = "released"
DEFAULT_MODE = Mode.FORWARD_TRANSITIVE


@dataclass(frozen=True)
class Revision:
    revision: int
    fingerprint: str
    released: str  # ISO date


@dataclass
class LockedVersion:
    key: EventKey
    compatibility: Mode
    revisions: list[Revision] = field(default_factory=list)

    @property
    def latest(self) -> Revision:
        return self.revisions[-1]


@dataclass
class RegistryLock:
    contracts_dir: Path  # the folder holding the lock, schemas/ and released/
    versions: dict[EventKey, LockedVersion] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.contracts_dir / LOCK_FILE

    def snapshot_path(self, key: EventKey, revision: int) -> Path:
        name = f"{key.domain}/{key.detail_type}/v{key.version}/r{revision}.json"
        return self.contracts_dir / RELEASED_DIR / name

    def history(self, key: EventKey) -> list[dict[str, Any]]:
        """The released schemas of a version, oldest first, each checked against its fingerprint."""
        locked = self.versions[key]
        schemas = []
        for rev in locked.revisions:
            path = self.snapshot_path(key, rev.revision)
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise ContractError([Problem(str(path), "", f"released snapshot: {exc}")]) from exc
            if fingerprint(schema) != rev.fingerprint:
                msg = f"snapshot does not match the lock's fingerprint {rev.fingerprint}"
                raise ContractError([Problem(str(path), "", msg)])
            schemas.append(schema)
        return schemas

    def compare(self, contract: EventContract) -> CompatibilityResult | None:
        """None when the version is unreleased or unchanged; else the check against its history."""
        locked = self.versions.get(contract.key)
        if locked is None or locked.latest.fingerprint == contract.fingerprint:
            return None
        labels = [f"{contract.key.ref} r{r.revision}" for r in locked.revisions]
        history = self.history(contract.key)
        return check_history(history, contract.bundled, locked.compatibility, labels=labels)

    def save(self) -> None:
        document = {
            "lockVersion": 1,
            "events": {
                str(key): {
                    "compatibility": str(v.compatibility),
                    "revisions": [r.__dict__ for r in v.revisions],
                }
                for key, v in sorted(self.versions.items())
            },
        }
        self.path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def load_lock(contracts_dir: Path) -> RegistryLock:
    lock = RegistryLock(contracts_dir=contracts_dir)
    if not lock.path.is_file():
        return lock
    try:
        document = json.loads(lock.path.read_text(encoding="utf-8"))
        for ref, entry in document["events"].items():
            key = _parse_key(ref)
            revisions = [Revision(**r) for r in entry["revisions"]]
            lock.versions[key] = LockedVersion(key, Mode(entry["compatibility"]), revisions)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ContractError([Problem(str(lock.path), "", f"unreadable lock: {exc!r}")]) from exc
    return lock


def _parse_key(ref: str) -> EventKey:
    source, _, rest = ref.partition("/")
    name, _, version = rest.partition("@")
    return EventKey(source, name, int(version))


@dataclass(frozen=True)
class ReleaseOutcome:
    released: list[tuple[EventKey, int]]  # (version, new revision)
    refused: list[tuple[EventKey, CompatibilityResult]]


def release(
    catalog: Catalog,
    lock: RegistryLock,
    keys: list[EventKey] | None = None,
    mode: Mode | None = None,
    today: date | None = None,
) -> ReleaseOutcome:
    """Record new and compatibly changed versions in the lock; incompatible ones are refused.

    ``mode`` sets the compatibility mode of versions released for the first time (default
    FORWARD_TRANSITIVE) or, given explicitly, changes it for released ones (checked under it).
    """
    day = (today or datetime.now(UTC).date()).isoformat()
    released, refused = [], []
    for key in keys or sorted(catalog.contracts):
        contract = catalog.contracts[key]
        locked = lock.versions.get(key)
        if locked is None:
            locked = lock.versions[key] = LockedVersion(key, mode or DEFAULT_MODE)
        elif mode is not None:
            locked.compatibility = mode
        if locked.revisions:
            result = lock.compare(contract)
            if result is None:
                continue
            if not result.compatible:
                refused.append((key, result))
                continue
        revision = len(locked.revisions) + 1
        snapshot = lock.snapshot_path(key, revision)
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(json.dumps(contract.bundled, indent=2) + "\n", encoding="utf-8")
        locked.revisions.append(Revision(revision, contract.fingerprint, day))
        released.append((key, revision))
    if released or mode is not None:
        lock.save()
    return ReleaseOutcome(released, refused)
