"""The lake's declarations: the platform manifest's ``[lake]`` and one delivery stream per event
version, as the CDK stack and the local runtime both read them."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.errors import ContractError
from ordermesh_contracts.lake import delivery_streams, lake_spec
from ordermesh_contracts.lake_schema import columns, table_name
from ordermesh_contracts.manifest import LakeSpec, ServiceManifest, load_manifest

CATALOG = load_catalog().raise_for_problems()
ROOT = Path(__file__).resolve().parents[2]


def test_every_event_version_has_one_stream_with_its_table_pattern_and_prefixes() -> None:
    streams = delivery_streams(CATALOG, LakeSpec())
    assert [s.event for s in streams] == sorted(CATALOG.contracts)
    assert len({s.name for s in streams}) == len({s.rule for s in streams}) == len(streams)
    for stream in streams:
        key, contract = stream.event, CATALOG.contracts[stream.event]
        assert stream.table == table_name(key.detail_type, key.version)
        assert list(stream.columns) == columns(contract.bundled)
        assert stream.pattern == {
            "source": [key.source],
            "detail-type": [key.detail_type],
            "detail": {"metadata": {"eventVersion": [key.version]}},
        }
        base = f"events/event={key.detail_type}/version={key.version}/"
        assert stream.location == base
        assert stream.prefix == f"{base}date=!{{timestamp:yyyy-MM-dd}}/"
        assert stream.error_output_prefix == (
            f"errors/!{{firehose:error-output-type}}/{base}date=!{{timestamp:yyyy-MM-dd}}/"
        )


def test_the_platform_manifest_declares_the_lake_and_only_it() -> None:
    manifests = [load_manifest(p) for p in sorted(ROOT.glob("services/*/service.toml"))]
    platform = load_manifest(ROOT / "platform" / "platform.toml")
    found = lake_spec([*manifests, platform])
    assert found is not None
    assert found[0] is platform
    assert found[1].local_buffering.interval_seconds <= 10  # a demo's events land in seconds
    assert lake_spec(manifests) is None


def test_two_manifests_declaring_the_lake_is_an_error() -> None:
    one = ServiceManifest.model_validate(
        {"service": {"name": "a", "source": "ordermesh.a"}, "lake": {}}
    )
    two = ServiceManifest.model_validate(
        {"service": {"name": "b", "source": "ordermesh.b"}, "lake": {}}
    )
    with pytest.raises(ValueError, match="more than one manifest: a, b"):
        lake_spec([one, two])


@pytest.mark.parametrize(
    ("buffering", "message"),
    [
        ({"size_mb": 5, "interval_seconds": 300}, "Firehose buffers 64 to 128 MB"),
        ({"size_mb": 129, "interval_seconds": 300}, "less than or equal to 128"),
        ({"size_mb": 64, "interval_seconds": 901}, "less than or equal to 900"),
    ],
)
def test_aws_buffering_outside_firehose_limits_is_rejected_naming_the_field(
    tmp_path: Path, buffering: dict[str, int], message: str
) -> None:
    manifest = tmp_path / "platform.toml"
    size, interval = buffering["size_mb"], buffering["interval_seconds"]
    manifest.write_text(
        '[service]\nname = "platform"\nsource = "ordermesh.saga"\n'
        f"[lake]\nbuffering = {{ size_mb = {size}, interval_seconds = {interval} }}\n"
    )
    with pytest.raises(ContractError) as raised:
        load_manifest(manifest)
    (problem,) = raised.value.problems
    assert problem.pointer.startswith("#/lake/buffering")
    assert message in problem.message


def test_local_buffering_may_be_smaller_than_firehose_allows() -> None:
    spec = LakeSpec.model_validate({"local_buffering": {"size_mb": 1, "interval_seconds": 1}})
    assert spec.local_buffering.size_mb == 1
