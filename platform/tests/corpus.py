"""Where the conformance corpora live: ``<project root>/conformance``.

The folder is a copy of ``<project root>/../shared/conformance`` (their source, kept beside the
project) that travels with the repository; ``tests/test_conformance_copy.py`` keeps the two equal.
"""

from __future__ import annotations

from pathlib import Path


def _project_root() -> Path:
    """The uv workspace root: the folder above this file whose pyproject.toml declares it."""
    here = Path(__file__).resolve()
    for folder in here.parents:
        manifest = folder / "pyproject.toml"
        if manifest.is_file() and "[tool.uv.workspace]" in manifest.read_text(encoding="utf-8"):
            return folder
    message = f"no workspace pyproject.toml above {here}"
    raise FileNotFoundError(message)


PROJECT_ROOT = _project_root()
CONFORMANCE = PROJECT_ROOT / "conformance"
