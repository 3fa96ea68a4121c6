"""An event version's release history: each released revision with the changes it made to the
one before (what ``ordermesh contracts diff`` prints), and the tree's changes not released yet.

The revisions are the registry lock's, their schemas the snapshots under ``contracts/released``;
the changes and whether the version's compatibility mode allows each are the compatibility
checker's (``ordermesh_contracts.compat``), judged as ``contracts check`` judges them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ordermesh_contracts.catalog import EventContract
from ordermesh_contracts.compat import CompatibilityResult, check
from ordermesh_contracts.errors import ContractError
from ordermesh_contracts.lock import RegistryLock


@dataclass(frozen=True)
class ChangeRow:
    type: str
    pointer: str
    message: str
    allowed: bool  # the version's mode allows it


@dataclass(frozen=True)
class RevisionEntry:
    """A released revision (``revision`` > 0) or the tree's unreleased schema (``revision`` 0)."""

    revision: int
    released: str  # ISO date; "" when unreleased
    fingerprint: str
    changes: tuple[ChangeRow, ...]  # against the revision before; none for the first

    @property
    def label(self) -> str:
        return f"r{self.revision}" if self.revision else "unreleased"


@dataclass(frozen=True)
class History:
    compatibility: str | None  # the lock's mode; None when the version was never released
    revisions: tuple[RevisionEntry, ...]  # oldest first, the unreleased one last
    problem: str = ""  # why the history could not be read (a snapshot that does not match)


def history(contract: EventContract, lock: RegistryLock) -> History:
    locked = lock.versions.get(contract.key)
    if locked is None:
        unreleased = RevisionEntry(0, "", contract.fingerprint, ())
        return History(None, (unreleased,))
    mode = locked.compatibility
    try:
        schemas = lock.history(contract.key)
    except ContractError as exc:
        return History(str(mode), (), "; ".join(p.message for p in exc.problems))
    entries = []
    for index, revision in enumerate(locked.revisions):
        changes = _rows(check(schemas[index - 1], schemas[index], mode)) if index else ()
        entries.append(
            RevisionEntry(revision.revision, revision.released, revision.fingerprint, changes)
        )
    pending = lock.compare(contract)
    if pending is not None:
        entries.append(RevisionEntry(0, "", contract.fingerprint, _rows(pending)))
    return History(str(mode), tuple(entries))


def _rows(result: CompatibilityResult) -> tuple[ChangeRow, ...]:
    refused = {violation.change for violation in result.violations}
    return tuple(ChangeRow(c.type, c.pointer, c.message, c not in refused) for c in result.changes)
