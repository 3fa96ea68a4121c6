"""The per-unit pipelines: every deployable unit has its workflow, wired to the shared one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
PIPELINE = ROOT / ".ci" / "pipeline"
SHARED = "./.github/workflows/_service.yml"


def pipeline(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PIPELINE), *args], capture_output=True, text=True, check=False)


def workflow(name: str) -> dict[str, Any]:
    document: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    document["on"] = document.pop(True)  # YAML 1.1 reads the key `on` as true
    return document


UNITS: list[str] = json.loads(pipeline("--units").stdout)


def test_the_units_are_the_platform_and_every_service() -> None:
    services = sorted(p.parent.name for p in ROOT.glob("services/*/service.toml"))
    assert json.loads(pipeline("--units").stdout) == ["platform", *services]


@pytest.mark.parametrize("unit", UNITS)
def test_each_unit_has_a_workflow_calling_the_shared_one_on_its_paths(unit: str) -> None:
    folder = "platform" if unit == "platform" else f"services/{unit}"
    document = workflow(f"{unit}.yml")
    job = document["jobs"]["pipeline"]
    assert (job["uses"], job["with"]) == (SHARED, {"name": unit, "folder": folder})
    assert job["permissions"]["id-token"] == "write"
    push, pull_request = document["on"]["push"], document["on"]["pull_request"]
    assert push["branches"] == ["main"]
    assert push["paths"] == pull_request["paths"]
    for path in (
        f"{folder}/**",
        "contracts/**",
        "cdk/**",
        "uv.lock",
        f".github/workflows/{unit}.yml",
    ):
        assert path in push["paths"]


def test_the_shared_workflow_deploys_the_checked_assembly_to_staging_then_production() -> None:
    jobs = workflow("_service.yml")["jobs"]
    runs = [step.get("run", "") for step in jobs["checks"]["steps"]]
    assert '.ci/pipeline "$UNIT"' in runs
    staging, production = jobs["deploy-staging"], jobs["deploy-production"]
    assert staging["needs"] == "checks"
    assert "github.event_name == 'push'" in staging["if"]
    assert "github.ref == 'refs/heads/main'" in staging["if"]
    assert production["needs"] == "deploy-staging"
    assert (staging["environment"], production["environment"]) == ("staging", "production")
    for job in (staging, production):
        assert job["permissions"]["id-token"] == "write"
        deploy = job["steps"][-1]
        assert deploy["uses"] == "./.github/actions/deploy"
        assert deploy["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"


def test_an_unknown_unit_stops_the_pipeline_before_any_step() -> None:
    done = pipeline("shipping")
    assert done.returncode == 2
    assert "unknown unit 'shipping': one of contracts platform" in done.stderr
    assert "==" not in done.stdout


def test_an_unknown_step_stops_the_pipeline_naming_the_steps() -> None:
    done = pipeline("order", "--only", "deploy")
    assert done.returncode == 2
    assert "order has no step 'deploy': lint tests check can-i-deploy synth" in done.stderr
