"""The runtime wired from manifests: subscriptions become rules, queues, functions; the platform's
analytics feed becomes a rule to the stream; deliveries run until idle on a manual clock."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.manifest import ServiceManifest, discover_manifests, load_manifest
from ordermesh_platform.runtime.functions import FunctionSettings
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.runtime.wiring import WiringError, wire
from ordermesh_platform.shared.clock import ManualClock
from tests.corpus import PROJECT_ROOT

ROOT = PROJECT_ROOT
PROBE = Path(__file__).parent / "probe" / "service.toml"


def _manifests() -> list[ServiceManifest]:
    return [load_manifest(p) for p in [*discover_manifests(ROOT), PROBE]]


def _feed_and_probe() -> list[ServiceManifest]:
    """The probe and the platform's analytics feed, without the services' own subscribers."""
    platform = load_manifest(ROOT / "platform" / "platform.toml")
    feed = [r for r in platform.rules if r.name == "analytics-feed"]
    bare = platform.model_copy(
        update={"rules": feed, "subscriptions": [], "state_machines": [], "http": None}
    )
    return [bare, load_manifest(PROBE)]


def test_manifests_wire_into_rules_queues_and_functions() -> None:
    wiring = wire(_manifests(), load_catalog())
    rules = {r.name: r for r in wiring.rules}
    assert {"probe-batches", "probe-events", "platform-analytics-feed"} <= set(rules)
    assert json.loads(rules["probe-batches"].event_pattern) == {
        "source": ["ordermesh.order"],
        "detail-type": ["OrderPlaced"],
        "detail": {"metadata": {"eventVersion": [2]}},
    }
    assert wiring.queues["probe-batches"].dead_letter_queue == "probe-batches-dlq"
    assert wiring.queues["probe-batches"].visibility_timeout == 4
    assert wiring.functions["probe-batches-consumer"].handler == "probe_handlers:on_batch"
    assert wiring.functions["probe-events"].dead_letter_queue == "probe-events-dlq"
    [feed_target] = rules["platform-analytics-feed"].targets
    assert (feed_target.kind, feed_target.name) == ("stream", "ordermesh-analytics")
    assert [s.name for s in wiring.streams] == ["ordermesh-analytics"]


def test_an_event_reaches_every_subscriber_and_the_analytics_stream(
    tmp_path: Path, order_placed: dict[str, Any]
) -> None:
    clock = ManualClock()
    runtime = LocalRuntime(RuntimeOptions(state_dir=tmp_path), clock=clock)
    runtime.apply(runtime.wiring(_feed_and_probe(), load_catalog()))
    batches: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    runtime.functions.register(
        "probe-batches-consumer",
        FunctionSettings(handler="x:y"),
        lambda event, _context: batches.append(event),
    )
    runtime.functions.register(
        "probe-events", FunctionSettings(handler="x:y"), lambda event, _c: events.append(event)
    )
    try:
        [outcome] = runtime.bus.put_events([order_placed]).entries
        assert runtime.run_until_idle() == 2
        [batch] = batches
        assert json.loads(batch["Records"][0]["body"])["id"] == outcome.event_id
        assert [e["id"] for e in events] == [outcome.event_id]
        correlation = json.loads(order_placed["Detail"])["metadata"]["correlationId"]
        shards = runtime.streams.describe("ordermesh-analytics").shards
        records = [
            r for s in shards for r in runtime.streams.read("ordermesh-analytics", s.shard_id)
        ]
        [record] = records
        assert record.partition_key == correlation
        assert json.loads(record.data)["id"] == outcome.event_id
        assert base64.b64encode(record.data)  # bytes, as Kinesis stores them
    finally:
        runtime.close()


def test_a_subscription_to_an_unknown_event_names_the_manifest_field() -> None:
    manifest = ServiceManifest.model_validate(
        {
            "service": {"name": "probe", "source": "ordermesh.probe"},
            "subscriptions": [
                {
                    "name": "s",
                    "event": "OrderPlaced@7",
                    "target": {"kind": "function", "handler": "a:b"},
                }
            ],
        }
    )
    with pytest.raises(WiringError) as error:
        wire([manifest], load_catalog())
    assert error.value.where.endswith("#/subscriptions/0")
    assert "OrderPlaced@7" in error.value.reason


def test_a_stream_consumer_has_the_on_failure_queue_and_responses_its_manifest_declares(
    tmp_path: Path,
) -> None:
    stream = {"name": "feed", "shards": 1}
    declared = {"name": "kpis", "stream": "feed", "handler": "probe_handlers:on_batch"}
    manifests = [
        ServiceManifest.model_validate(
            {
                "service": {"name": "probe", "source": "ordermesh.probe"},
                "streams": [stream],
                "stream_consumers": [
                    {**declared, "on_failure": "kpis-failed"},
                    {**declared, "name": "plain", "report_batch_item_failures": False},
                ],
            }
        )
    ]
    runtime = LocalRuntime(RuntimeOptions(state_dir=tmp_path), clock=ManualClock())
    try:
        runtime.apply(wire(manifests, load_catalog()))
        settings = {c.settings.name: c.settings for c in runtime.stream_consumers}
        assert settings["probe-kpis"].on_failure == "kpis-failed"
        assert settings["probe-kpis"].report_batch_item_failures
        assert settings["probe-plain"].on_failure == "probe-plain-dlq"
        assert not settings["probe-plain"].report_batch_item_failures
        assert {"kpis-failed", "probe-plain-dlq"} <= set(runtime.queues.names())
    finally:
        runtime.close()


def test_state_survives_a_restart_on_the_same_directory(
    tmp_path: Path, order_placed: dict[str, Any]
) -> None:
    first = LocalRuntime(RuntimeOptions(state_dir=tmp_path), clock=ManualClock())
    first.apply(first.wiring(_manifests(), load_catalog()))
    first.bus.put_events([order_placed])
    first.close()
    second = LocalRuntime(RuntimeOptions(state_dir=tmp_path), clock=ManualClock())
    second.apply(second.wiring(_manifests(), load_catalog()))
    try:
        assert second.bus.archive_count() == 1
        assert len(second.functions.pending("probe-events")) == 1
        assert second.queues.depth("probe-batches").visible == 1
    finally:
        second.close()


def test_the_analytics_service_is_told_how_many_shards_its_stream_has(tmp_path: Path) -> None:
    manifests = [load_manifest(p) for p in discover_manifests(ROOT)]
    (stream,) = [s for m in manifests for s in m.streams if s.name == "ordermesh-analytics"]
    runtime = LocalRuntime.from_project(ROOT, RuntimeOptions(state_dir=tmp_path / "state"))
    try:
        assert runtime.settings["STREAM_SHARDS"] == str(stream.shards)
        assert runtime.settings["ALLOWED_LATENESS_SECONDS"] == "5"
    finally:
        runtime.close()
