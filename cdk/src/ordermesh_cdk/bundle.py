"""A Lambda deployment package built without Docker: a workspace package and its locked
dependencies, installed with uv for the functions' platform (Linux on arm64, Python 3.12).

Third-party dependencies come from ``uv.lock`` as wheels built for that platform (no compiler,
no container); the workspace packages (the service and ``ordermesh_contracts``) are built into
wheels from the source tree, so the package holds exactly what an install would, schemas
included. The result is cached under ``.build/lambda/`` by a hash of the requirements and the
workspace sources: a second synthesis of unchanged code reuses it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PYTHON_VERSION = "3.12"
PLATFORM = "aarch64-manylinux_2_28"  # Lambda's arm64 (Graviton) environment
_SKIPPED_PARTS = {"__pycache__", "tests", ".pytest_cache", ".mypy_cache", "cdk.out", "infra"}


class BundleError(RuntimeError):
    """uv could not build the package; the message carries its output."""


@dataclass(frozen=True)
class Requirements:
    pinned: str  # third-party requirements, one ``name==version`` per line
    workspace: tuple[Path, ...]  # workspace members to build (absolute folders)


def lambda_package(
    root: Path,
    package: str,
    *,
    extra: Mapping[str, Path] | None = None,
    cache: Path | None = None,
) -> Path:
    """The folder holding ``package`` (a workspace member's project name) ready to zip, with
    ``extra`` files added (path inside the package -> the file to copy)."""
    requirements = locked_requirements(root, package)
    extra = dict(extra or {})
    digest = _digest(requirements, extra)
    target = (cache or root / ".build" / "lambda") / f"{package}-{digest[:16]}"
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".partial-") as scratch:
        staging = Path(scratch) / "package"
        _install(root, requirements, staging)
        for inside, source in sorted(extra.items()):
            (staging / inside).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, staging / inside)
        try:
            staging.rename(target)
        except OSError:  # another build finished first: its result is the same
            if not target.is_dir():
                raise
    return target


def locked_requirements(root: Path, package: str) -> Requirements:
    """What ``package`` needs at run time, as pinned by ``uv.lock`` (no dev groups)."""
    exported = _uv(
        root,
        "export",
        "--package",
        package,
        "--no-dev",
        "--no-hashes",
        "--no-annotate",
        "--no-header",
        "--frozen",
    )
    pinned, workspace = [], []
    for text in exported.splitlines():
        line = text.strip()
        if line.startswith("-e "):
            workspace.append((root / line.removeprefix("-e ").strip()).resolve())
        elif line and not line.startswith("#"):
            pinned.append(line)
    return Requirements("\n".join(sorted(pinned)) + "\n", tuple(sorted(workspace)))


def _install(root: Path, requirements: Requirements, staging: Path) -> None:
    listed = staging.parent / "requirements.txt"
    listed.write_text(requirements.pinned, encoding="utf-8")
    _pip_install(root, staging, "--only-binary", ":all:", "-r", str(listed))
    _pip_install(root, staging, *(str(member) for member in requirements.workspace))
    shutil.rmtree(staging / "bin", ignore_errors=True)  # console scripts: nothing runs them


def _pip_install(root: Path, staging: Path, *args: str) -> None:
    """``uv pip install`` into ``staging`` for the functions' platform, nothing resolved anew
    (every requirement is pinned already)."""
    _uv(
        root,
        *("pip", "install", "--quiet", "--no-deps", "--target", str(staging)),
        *("--python-platform", PLATFORM, "--python-version", PYTHON_VERSION),
        *args,
    )


def _digest(requirements: Requirements, extra: Mapping[str, Path]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{PLATFORM} {PYTHON_VERSION}\n{requirements.pinned}".encode())
    for inside, source in sorted(extra.items()):
        digest.update(inside.encode())
        digest.update(hashlib.sha256(source.read_bytes()).digest())
    for member in requirements.workspace:
        for path in _sources(member):
            digest.update(str(path.relative_to(member.parent)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _sources(member: Path) -> Iterator[Path]:
    """The files a build of ``member`` can see, in a stable order."""
    for path in sorted(member.rglob("*")):
        relative = path.relative_to(member).parts
        if path.is_file() and not _SKIPPED_PARTS.intersection(relative) and path.suffix != ".pyc":
            yield path


def _uv(root: Path, *args: str) -> str:
    command: Sequence[str] = [uv_executable(root), *args]
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    done = subprocess.run(  # noqa: S603 - our own uv with fixed arguments
        command, cwd=root, capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise BundleError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def uv_executable(root: Path) -> str:
    """uv: ``$UV``, else the one on ``PATH``, else the one ``make env`` installs."""
    found = os.environ.get("UV") or shutil.which("uv")
    if found:
        return found
    local = root / ".tools" / "bin" / "uv"
    if local.is_file():
        return str(local)
    raise BundleError("uv not found: run `make env` (it installs uv into .tools/)")
