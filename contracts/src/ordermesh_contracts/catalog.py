"""The event catalog: every contract under ``contracts/schemas`` by source, name and version."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ordermesh_contracts.bundle import bundle_schema, fingerprint
from ordermesh_contracts.errors import ContractError, Problem

SOURCE_PREFIX = "ordermesh."
COMMON_FILE = "common.json"
_VERSION_FILE = re.compile(r"^v(?P<n>[1-9][0-9]*)\.json$")
_NAME = re.compile(r"^[A-Z][A-Za-z0-9]+$")


def default_schemas_dir() -> Path:
    """The schemas inside the package (a wheel), else the source tree's ``contracts/schemas``."""
    here = Path(__file__).resolve().parent
    packaged = here / "schemas"
    return packaged if packaged.is_dir() else here.parents[1] / "schemas"


@dataclass(frozen=True, order=True)
class EventKey:
    """Identity of one contract: EventBridge source, detail-type and major version."""

    source: str
    detail_type: str
    version: int

    @property
    def ref(self) -> str:
        """``Name@version``: how manifests, messages and the CLI name a contract."""
        return f"{self.detail_type}@{self.version}"

    @property
    def domain(self) -> str:
        return self.source.removeprefix(SOURCE_PREFIX)

    def __str__(self) -> str:
        return f"{self.source}/{self.ref}"


@dataclass(frozen=True)
class EventContract:
    """One event version: its schema file, the schema, and its example events."""

    key: EventKey
    path: Path
    schema: dict[str, Any]
    examples: tuple[Path, ...]

    @cached_property
    def bundled(self) -> dict[str, Any]:
        """The schema made self-contained: every external ``$ref`` pulled into ``definitions``."""
        return bundle_schema(self.schema, self.path)

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(self.bundled)

    def load_examples(self) -> list[tuple[Path, Any]]:
        return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in self.examples]


@dataclass
class Catalog:
    root: Path
    contracts: dict[EventKey, EventContract] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def get(self, source: str, detail_type: str, version: int) -> EventContract | None:
        return self.contracts.get(EventKey(source, detail_type, version))

    def versions(self, source: str, detail_type: str) -> list[int]:
        return sorted(
            k.version for k in self.contracts if (k.source, k.detail_type) == (source, detail_type)
        )

    def lookup(self, detail_type: str, version: int, source: str | None) -> EventContract | None:
        """The one contract ``detail_type@version`` from ``source`` (any when None), else None."""
        matches = [
            c
            for k, c in self.contracts.items()
            if k.detail_type == detail_type and k.version == version and source in (None, k.source)
        ]
        return matches[0] if len(matches) == 1 else None

    def events(self) -> list[tuple[str, str]]:
        """Every (source, detail-type), sorted."""
        return sorted({(k.source, k.detail_type) for k in self.contracts})

    def find(self, ref: str) -> EventContract:
        """Look up ``Name@N`` or ``source/Name@N``; raises ``KeyError`` with the known refs."""
        source, _, rest = ref.rpartition("/")
        name, _, version = rest.partition("@")
        for key, contract in sorted(self.contracts.items()):
            same_source = source in ("", key.source)
            if same_source and key.detail_type == name and str(key.version) == version:
                return contract
        known = ", ".join(k.ref for k in sorted(self.contracts))
        raise KeyError(f"no contract {ref!r}; known: {known}")

    def raise_for_problems(self) -> Catalog:
        if self.problems:
            raise ContractError(self.problems)
        return self


def load_catalog(root: Path | None = None) -> Catalog:
    """Read every ``<domain>/<EventName>/v<N>.json`` under ``root``, collecting problems."""
    root = (root or default_schemas_dir()).resolve()
    catalog = Catalog(root=root)
    if not (root / COMMON_FILE).is_file():
        catalog.problems.append(Problem(str(root), "", f"no {COMMON_FILE}: not a schemas folder"))
        return catalog
    for path in sorted(root.glob("*/*/v*.json")):
        contract = _load_contract(root, path, catalog.problems)
        if contract is not None:
            catalog.contracts[contract.key] = contract
    return catalog


def _load_contract(root: Path, path: Path, problems: list[Problem]) -> EventContract | None:
    rel = str(path.relative_to(root.parent))
    match = _VERSION_FILE.match(path.name)
    domain, name = path.parent.parent.name, path.parent.name
    if match is None or not _NAME.match(name):
        problems.append(Problem(rel, "", "expected <domain>/<EventName>/v<N>.json"))
        return None
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        problems.append(Problem(rel, "", f"not JSON: {exc}"))
        return None
    if not isinstance(schema, dict):
        problems.append(Problem(rel, "#", "a schema must be a JSON object"))
        return None
    key = EventKey(SOURCE_PREFIX + domain, name, int(match["n"]))
    problems.extend(_identity_problems(rel, schema, key))
    examples = tuple(sorted((path.parent / "examples" / f"v{key.version}").glob("*.json")))
    return EventContract(key=key, path=path, schema=schema, examples=examples)


def _identity_problems(rel: str, schema: dict[str, Any], key: EventKey) -> list[Problem]:
    """The schema must say, in the registry's own annotations, the identity its path gives it."""
    expected = {
        "x-amazon-events-source": key.source,
        "x-amazon-events-detail-type": key.detail_type,
        "x-ordermesh-event-version": key.version,
    }
    return [
        Problem(rel, f"#/{name}", f"is {schema.get(name)!r}, the file's place says {value!r}")
        for name, value in expected.items()
        if schema.get(name) != value
    ]
