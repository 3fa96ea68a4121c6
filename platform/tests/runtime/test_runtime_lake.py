"""The lake on the runtime: one delivery stream and one rule per event version from the platform
manifest's [lake], a manifest rule to a delivery stream checked, the lake's folder, records
buffered with the bus's transaction, the flusher as a worker, replays not doubling rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.lake import delivery_streams, lake_spec
from ordermesh_contracts.manifest import ServiceManifest, discover_manifests, load_manifest
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.runtime.wiring import WiringError, wire
from ordermesh_platform.shared.clock import ManualClock
from tests.corpus import PROJECT_ROOT
from tests.lake.support import ORDER_PLACED, lake_ids

CATALOG = load_catalog().raise_for_problems()
MANIFESTS = [load_manifest(p) for p in discover_manifests(PROJECT_ROOT)]


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[LocalRuntime]:
    created = LocalRuntime.from_project(
        PROJECT_ROOT, RuntimeOptions(state_dir=tmp_path / "state"), clock=ManualClock()
    )
    yield created
    created.close()


def _manifest(rule_target: dict[str, Any]) -> ServiceManifest:
    return ServiceManifest.model_validate(
        {
            "service": {"name": "probe", "source": "ordermesh.probe"},
            "rules": [{"name": "copy", "pattern": {"source": ["x"]}, "target": rule_target}],
        }
    )


def test_one_delivery_stream_and_one_rule_per_event_version_as_the_cdk_deploys() -> None:
    found = lake_spec(MANIFESTS)
    assert found is not None
    wiring = wire(MANIFESTS, CATALOG)
    assert wiring.delivery_streams == delivery_streams(CATALOG, found[1])
    lake_rules = {r.name: r for r in wiring.rules if r.name.startswith("platform-lake-")}
    assert sorted(lake_rules) == sorted(f"platform-{s.rule}" for s in wiring.delivery_streams)
    for stream in wiring.delivery_streams:
        rule = lake_rules[f"platform-{stream.rule}"]
        assert json.loads(rule.event_pattern) == stream.pattern
        assert [(t.kind, t.name) for t in rule.targets] == [("delivery-stream", stream.name)]
        assert rule.managed_by == "platform"


def test_a_manifest_rule_to_a_delivery_stream_must_name_a_declared_one() -> None:
    wire([*MANIFESTS, _manifest({"kind": "delivery-stream", "name": ORDER_PLACED})], CATALOG)
    with pytest.raises(WiringError) as error:
        wire([*MANIFESTS, _manifest({"kind": "delivery-stream", "name": "nope"})], CATALOG)
    assert error.value.where == "probe#/rules/0/target/name"
    assert "'nope'" in error.value.reason
    with pytest.raises(WiringError):  # without [lake], no stream is declared
        wire([_manifest({"kind": "delivery-stream", "name": ORDER_PLACED})], CATALOG)


def test_the_lake_is_under_the_state_folder_unless_configured(tmp_path: Path) -> None:
    assert RuntimeOptions(state_dir=tmp_path).lake == tmp_path / "lake"
    assert RuntimeOptions(state_dir=tmp_path, lake_dir=tmp_path / "b").lake == tmp_path / "b"


def test_an_accepted_event_is_buffered_in_the_bus_transaction_and_flushed_by_the_worker(
    runtime: LocalRuntime, order_placed: dict[str, Any], tmp_path: Path
) -> None:
    result = runtime.bus.put_events([order_placed])
    event_id = result.entries[0].event_id
    assert runtime.delivery_streams.buffered_ids(ORDER_PLACED) == {event_id}
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(5)
    runtime.run_until_idle()
    assert lake_ids(tmp_path / "state" / "lake") == [event_id]
    (status,) = [s for s in runtime.lake_status() if s.name == ORDER_PLACED]
    assert (status.records_buffered, status.objects_written, status.records_delivered) == (0, 1, 1)
    assert status.bytes_written == sum(
        p.stat().st_size for p in (tmp_path / "state" / "lake").rglob("*.parquet")
    )


def test_an_event_replayed_before_and_after_its_flush_is_in_the_lake_once(
    runtime: LocalRuntime, order_placed: dict[str, Any], tmp_path: Path
) -> None:
    event_id = runtime.bus.put_events([order_placed]).entries[0].event_id
    runtime.clock.sleep(1)
    lake_rule = "platform-lake-order-placed-v2"
    runtime.bus.replay("first", 0, runtime.clock.now() + 1, rules=[lake_rule])
    runtime.delivery_streams.flush()
    runtime.clock.sleep(1)
    runtime.bus.replay("second", 0, runtime.clock.now() + 1)
    runtime.delivery_streams.flush()
    assert lake_ids(tmp_path / "state" / "lake") == [event_id]
