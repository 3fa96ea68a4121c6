"""A manifest names the team that owns its unit (``[service] owner``), as the catalog shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordermesh_contracts.errors import ContractError
from ordermesh_contracts.manifest import discover_manifests, load_manifest

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, owner: str) -> Path:
    manifest = tmp_path / "service.toml"
    manifest.write_text(
        f'[service]\nname = "probe"\nsource = "ordermesh.probe"\nowner = "{owner}"\n',
        encoding="utf-8",
    )
    return manifest


def test_a_manifest_names_its_owner_team(tmp_path: Path) -> None:
    # Given a manifest whose service names its owner team
    manifest = write(tmp_path, "checkout-team")
    # When it is loaded, then the owner is the team's name
    assert load_manifest(manifest).service.owner == "checkout-team"


@pytest.mark.parametrize("owner", ["", "Checkout Team", "team!"])
def test_an_owner_that_is_not_a_team_name_is_refused(tmp_path: Path, owner: str) -> None:
    # Given an owner that is not a lower-case team name, when loaded, then the field is named
    with pytest.raises(ContractError) as raised:
        load_manifest(write(tmp_path, owner))
    assert [p.pointer for p in raised.value.problems] == ["#/service/owner"]


def test_every_unit_of_the_repository_names_its_owner() -> None:
    # Given the repository's manifests, then each names the team that owns it
    owners = {
        path.parent.name: load_manifest(path).service.owner for path in discover_manifests(ROOT)
    }
    assert all(owners.values()), f"manifests without an owner: {owners}"
