"""The Glue tables and the local Parquet objects agree: every contract example, put on the bus of
a real runtime wired from the project's manifests, lands in a Parquet object under its event
version's prefix and date partition, and each object's schema is exactly its Glue table's
columns and types (the ones the CDK deploys)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from ordermesh_contracts.lake import delivery_streams as declared_streams
from ordermesh_contracts.lake import lake_spec
from ordermesh_contracts.manifest import discover_manifests, load_manifest
from ordermesh_platform.lake.tables import hive_type
from ordermesh_platform.runtime.bus import entry_from_event
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.shared.clock import ManualClock
from tests.corpus import PROJECT_ROOT
from tests.lake.support import CATALOG


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[LocalRuntime]:
    options = RuntimeOptions(state_dir=tmp_path / "state", lake_dir=tmp_path / "bucket")
    created = LocalRuntime.from_project(PROJECT_ROOT, options, clock=ManualClock())
    yield created
    created.close()


def test_every_contract_example_lands_in_its_tables_partition_with_the_glue_schema(
    runtime: LocalRuntime, tmp_path: Path
) -> None:
    # Given the streams the CDK deploys, from the same declarations
    manifests = [load_manifest(p) for p in discover_manifests(PROJECT_ROOT)]
    found = lake_spec(manifests)
    assert found is not None
    streams = {s.event: s for s in declared_streams(CATALOG, found[1])}
    assert runtime.delivery_streams.names() == sorted(s.name for s in streams.values())
    # When every example is put on the bus and the buffers are flushed
    accepted: dict[str, set[str]] = defaultdict(set)
    for key, contract in sorted(CATALOG.contracts.items()):
        for _, example in contract.load_examples():
            result = runtime.bus.put_events([entry_from_event(example)])
            assert result.failed_entry_count == 0, (key, result)
            accepted[streams[key].name].add(str(result.entries[0].event_id))
    runtime.delivery_streams.flush()
    # Then each example is a row of its version's table, in today's partition, with its schema
    bucket = tmp_path / "bucket"
    for key, stream in sorted(streams.items()):
        files = sorted((bucket / stream.location).rglob("*"))
        objects = [f for f in files if f.is_file()]
        assert objects, f"{key}: no object under {stream.location}"
        ids: set[str] = set()
        for path in objects:
            assert path.parent == bucket / stream.location / "date=2026-01-01", path
            assert path.name.startswith(f"{stream.name}-1-2026-01-01-00-00-00-"), path
            table = pq.read_table(path)
            assert [(f.name, hive_type(f.type)) for f in table.schema] == [
                (c["Name"], c["Type"]) for c in stream.columns
            ], path
            ids.update(table.column("id").to_pylist())
        assert ids == accepted[stream.name], key
    assert not (bucket / "errors").exists(), "a contract example failed conversion"
