"""The lake of a checkout: its tables (one per event version of the contracts), its named
queries and its folder, from the platform manifest's ``[lake]``, as the CDK reads them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.lake import DeliveryStream, delivery_streams, lake_spec
from ordermesh_contracts.lake_queries import NamedQuery, load_queries
from ordermesh_contracts.manifest import LakeSpec, discover_manifests, load_manifest

from ordermesh_platform.lake import LAKE_DIR
from ordermesh_platform.lake.catalog import LakeCatalog
from ordermesh_platform.shared.store import DEFAULT_DIR


@dataclass(frozen=True)
class LocalLake:
    lake_dir: Path
    spec: LakeSpec
    queries_dir: Path
    streams: tuple[DeliveryStream, ...]

    @classmethod
    def of_project(
        cls, root: Path, *, state_dir: Path | None = None, lake_dir: Path | None = None
    ) -> LocalLake:
        """The project at ``root``; the lake in ``lake_dir``, else ``<state_dir>/lake``."""
        manifests = [load_manifest(path) for path in discover_manifests(root)]
        found = lake_spec(manifests)
        if found is None:
            raise ValueError(f"{root}: no manifest declares [lake]")
        manifest, spec = found
        catalog = load_catalog(root / "contracts" / "schemas").raise_for_problems()
        folder = lake_dir or (state_dir or root / DEFAULT_DIR) / LAKE_DIR
        return cls(
            lake_dir=folder,
            spec=spec,
            queries_dir=spec.queries_path(manifest.path),
            streams=tuple(delivery_streams(catalog, spec)),
        )

    def queries(self) -> dict[str, NamedQuery]:
        """The named queries by name (QueryFileError names a malformed file)."""
        return {query.name: query for query in load_queries(self.queries_dir)}

    def open(self) -> LakeCatalog:
        return LakeCatalog.of(self.lake_dir, self.streams)
