"""Architecture rules that hold across the repository."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = sorted(p.parent for p in ROOT.glob("services/*/pyproject.toml"))
INFRA_ONLY = ("aws_cdk", "constructs", "cdk_nag")
PLATFORM = ROOT / "platform" / "src" / "ordermesh_platform"


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


def _module(path: Path) -> str:
    """The dotted name of a module under platform/src (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(PLATFORM.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _platform_imports(path: Path) -> set[str]:
    module = _module(path).split(".")
    package = module if path.name == "__init__.py" else module[:-1]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: list[str]) -> set[str]:
    """The ``ordermesh_platform`` modules (and names) that ``source``, a module of ``package``,
    imports: relative imports resolved, imports in functions and under TYPE_CHECKING included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names |= {module} | {f"{module}.{a.name}" for a in node.names}
    return {n for n in names if n.split(".")[0] == "ordermesh_platform"}


def _outside(package: str, allowed: tuple[str, ...]) -> list[str]:
    """Imports by ``ordermesh_platform.<package>`` of platform modules outside ``allowed``."""
    offenders = []
    for path in sorted((PLATFORM / package).rglob("*.py")):
        for name in sorted(_platform_imports(path)):
            inside = any(name == a or name.startswith(f"{a}.") for a in allowed)
            if not inside and name != "ordermesh_platform":
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    return offenders


def test_the_step_functions_engine_depends_on_the_shared_package_alone() -> None:
    """shared <- sfn <- runtime: the engine never imports the runtime (nor the saga, the system
    or the CLI); the runtime wires the engine to its bus, functions and queues."""
    allowed = ("ordermesh_platform.sfn", "ordermesh_platform.shared")
    assert _outside("sfn", allowed) == []


def test_the_shared_package_imports_neither_the_runtime_nor_the_engine() -> None:
    assert _outside("shared", ("ordermesh_platform.shared",)) == []


def test_the_import_rules_see_relative_deferred_and_type_checking_imports() -> None:
    source = """
from typing import TYPE_CHECKING
from ..errors import StatesError
from ... import runtime
if TYPE_CHECKING:
    from ordermesh_platform.saga.model import Saga
def later() -> None:
    import ordermesh_platform.runtime.queues
"""
    found = _imports_in(source, ["ordermesh_platform", "sfn", "engine"])
    assert found == {
        "ordermesh_platform.sfn.errors",
        "ordermesh_platform.sfn.errors.StatesError",
        "ordermesh_platform",
        "ordermesh_platform.runtime",
        "ordermesh_platform.saga.model",
        "ordermesh_platform.saga.model.Saga",
        "ordermesh_platform.runtime.queues",
    }
