"""``make synth`` and the synthesis benchmark take their apps from ``synth.apps()``: the
platform's, then every service's that has a CDK stack (an ``infra`` package, as the Makefile's
type check finds them), the analytics service's among them."""

from __future__ import annotations

from ordermesh_cdk.synth import ROOT, apps


def test_every_app_with_an_infra_package_is_synthesized_platform_first() -> None:
    found = apps()
    assert found[0] == ROOT / "platform"
    assert found[1:] == sorted(p.parent for p in ROOT.glob("services/*/infra"))
    assert ROOT / "services" / "analytics" in found
