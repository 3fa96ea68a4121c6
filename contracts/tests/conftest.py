"""Shared fixtures: the real catalog, and a throwaway copy of the project to break on purpose."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ordermesh_contracts.catalog import Catalog, load_catalog

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(PROJECT_ROOT / "contracts" / "schemas").raise_for_problems()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what the contract checks read: schemas, lock, released snapshots, manifests."""
    root = tmp_path / "project"
    for rel in (
        "contracts/schemas",
        "contracts/released",
        "contracts/src/ordermesh_contracts/models",
    ):
        if (PROJECT_ROOT / rel).exists():
            shutil.copytree(PROJECT_ROOT / rel, root / rel)
    shutil.copy(PROJECT_ROOT / "pyproject.toml", root / "pyproject.toml")  # ruff config for codegen
    lock = PROJECT_ROOT / "contracts" / "registry.lock.json"
    if lock.exists():
        shutil.copy(lock, root / "contracts" / "registry.lock.json")
    for manifest in [
        *PROJECT_ROOT.glob("services/*/service.toml"),
        PROJECT_ROOT / "platform/platform.toml",
    ]:
        target = root / manifest.relative_to(PROJECT_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(manifest, target)
    return root


EditJson = Callable[[Path, Callable[[Any], None]], None]


@pytest.fixture
def edit_json() -> EditJson:
    def edit(path: Path, change: Callable[[Any], None]) -> None:
        document = json.loads(path.read_text(encoding="utf-8"))
        change(document)
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

    return edit


def example(catalog: Catalog, ref: str, name: str | None = None) -> dict[str, Any]:
    """A fresh copy of a contract's example ``name`` (default: the first)."""
    examples = catalog.find(ref).load_examples()
    for path, data in examples:
        if name is None or path.stem == name:
            found: dict[str, Any] = data
            return found
    raise LookupError(f"{ref} has no example {name!r}: {[p.stem for p, _ in examples]}")
