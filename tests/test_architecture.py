"""Architecture rules that hold across the repository."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = sorted(p.parent for p in ROOT.glob("services/*/pyproject.toml"))
INFRA_ONLY = ("aws_cdk", "constructs", "cdk_nag")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def test_there_are_four_services_each_a_package_named_after_it() -> None:
    assert [p.name for p in SERVICES] == ["analytics", "inventory", "order", "payment"]
    for service in SERVICES:
        assert (service / "src" / f"{service.name}_service" / "__init__.py").is_file()
        project = tomllib.loads((service / "pyproject.toml").read_text())["project"]
        assert project["name"] == f"ordermesh-{service.name}-service"
        assert (service / "service.toml").is_file()


def test_no_package_is_named_platform() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/src/*/__init__.py")}
    packages |= {p.parent.name for p in ROOT.glob("services/*/src/*/__init__.py")}
    assert "platform" not in packages


def test_services_never_import_another_service() -> None:
    for service in SERVICES:
        others = {f"{s.name}_service" for s in SERVICES} - {f"{service.name}_service"}
        for path in (service / "src").rglob("*.py"):
            assert not (_top(_imports(path)) & others), path


def test_domain_code_imports_no_aws_sdk_cdk_or_powertools() -> None:
    forbidden = {"boto3", "botocore", "aws_lambda_powertools", *INFRA_ONLY}
    for path in ROOT.glob("services/*/src/*/domain/**/*.py"):
        assert not (_top(_imports(path)) & forbidden), path


def test_runtime_packages_do_not_import_cdk() -> None:
    sources = [*ROOT.glob("contracts/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")]
    sources += ROOT.glob("platform/src/**/*.py")
    offenders = [p for p in sources if _top(_imports(p)) & set(INFRA_ONLY)]
    assert offenders == []
