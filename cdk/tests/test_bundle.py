"""What goes into a service's Lambda package: its locked run-time dependencies and the workspace
packages it needs, never the development tools or the CLI."""

from __future__ import annotations

from pathlib import Path

from ordermesh_cdk.bundle import locked_requirements

ROOT = Path(__file__).resolve().parents[2]


def test_a_service_package_needs_its_runtime_dependencies_and_contracts_only() -> None:
    requirements = locked_requirements(ROOT, "ordermesh-payment-service")
    names = {line.split("==")[0] for line in requirements.pinned.splitlines()}
    assert {"aws-lambda-powertools", "pydantic", "jsonschema-rs", "urllib3"} <= names
    assert not names & {"pytest", "moto", "mypy", "ruff", "typer", "rich", "aws-cdk-lib"}
    assert all("==" in line for line in requirements.pinned.splitlines())  # pinned by uv.lock
    assert [m.relative_to(ROOT).as_posix() for m in requirements.workspace] == [
        "contracts",
        "services/payment",
    ]
