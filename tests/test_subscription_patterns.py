"""Pattern contract tests for teams: every subscription's rule selects its event version's
examples and nothing else, checked over every manifest in the repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.manifest import ServiceManifest, discover_manifests, load_manifest
from ordermesh_platform.runtime.wiring import pattern_problems

ROOT = Path(__file__).resolve().parents[1]
PROBE = ROOT / "platform" / "tests" / "runtime" / "probe" / "service.toml"


def _manifests() -> list[ServiceManifest]:
    return [load_manifest(p) for p in [*discover_manifests(ROOT), PROBE]]


def test_every_subscription_pattern_selects_exactly_its_event_version() -> None:
    manifests = _manifests()
    subscriptions = [s for m in manifests for s in m.subscriptions]
    assert subscriptions, "the probe manifest at least subscribes"
    problems = pattern_problems(manifests, load_catalog())
    assert problems == [], "\n".join(map(str, problems))


def _probe(**subscription: object) -> ServiceManifest:
    target = {"kind": "queue", "handler": "probe_handlers:on_batch"}
    return ServiceManifest.model_validate(
        {
            "service": {"name": "probe", "source": "ordermesh.probe"},
            "subscriptions": [{"name": "s", "target": target, **subscription}],
        }
    )


@pytest.mark.parametrize(
    ("subscription", "expected"),
    [
        (
            {"event": "OrderPlaced@2", "pattern": {"detail": {"data": {"currency": ["XXX"]}}}},
            "matches no example of OrderPlaced@2",
        ),
        (
            {"event": "OrderPlaced@2", "pattern": {"detail": {"metadata": {"eventVersion": [1]}}}},
            "already fixes",
        ),
        ({"event": "OrderPlaced@9"}, "no contract 'OrderPlaced@9'"),
    ],
)
def test_broken_subscriptions_are_reported(subscription: dict[str, object], expected: str) -> None:
    problems = pattern_problems([_probe(**subscription)], load_catalog())
    assert len(problems) == 1
    assert expected in str(problems[0])


def test_a_pattern_matching_other_events_is_reported_unless_declared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ordermesh_platform.runtime import wiring

    # a rule on the order source alone: it selects every order event, not only OrderPlaced@2
    monkeypatch.setattr(wiring, "subscription_pattern", lambda *_: {"source": ["ordermesh.order"]})
    catalog = load_catalog()
    reported = {
        str(p).rsplit(" ", 1)[-1]
        for p in pattern_problems([_probe(event="OrderPlaced@2")], catalog)
    }
    assert {"OrderPlaced@1", "OrderConfirmed@1", "OrderCancelled@1"} <= reported
    assert "OrderPlaced@2" not in reported
    declared = _probe(event="OrderPlaced@2", also_matches=["OrderPlaced@1"])
    reported = {str(p).rsplit(" ", 1)[-1] for p in pattern_problems([declared], catalog)}
    assert "OrderPlaced@1" not in reported
    assert "OrderConfirmed@1" in reported
