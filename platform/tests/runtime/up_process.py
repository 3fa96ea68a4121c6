"""``ordermesh up`` in a subprocess on a copy of the project, for the tests that kill it.

The copy holds the contracts, every manifest and a probe service (a manifest with the files
beside it, such as ASL definitions); the probe's handlers are imported from ``probe/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.corpus import PROJECT_ROOT

ROOT = PROJECT_ROOT
PROBE = Path(__file__).parent / "probe"
URL = re.compile(r"ordermesh is up on (http://[\d.]+:\d+)")


def copy_project(tmp: Path, probe: Path = PROBE) -> Path:
    """A project under ``tmp`` with the probe service in ``probe`` (its manifest and data files)."""
    project = tmp / "project"
    shutil.copytree(ROOT / "contracts" / "schemas", project / "contracts" / "schemas")
    shutil.copytree(ROOT / "contracts" / "released", project / "contracts" / "released")
    shutil.copy(ROOT / "contracts" / "registry.lock.json", project / "contracts")
    for manifest in [*ROOT.glob("services/*/service.toml"), ROOT / "platform" / "platform.toml"]:
        target = project / manifest.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_publications_only(manifest.read_text(encoding="utf-8")))
    service = project / "services" / "probe"
    service.mkdir()
    for path in [*probe.glob("*.toml"), *probe.glob("*.json")]:
        shutil.copy(path, service / path.name)
    return project


_WIRING = re.compile(
    r"^(?:# The order saga|# The saga's outcome|\[http\]|\[\[subscriptions\]\]"
    r"|\[\[state_machines\]\])",
    re.MULTILINE,
)


def _publications_only(text: str) -> str:
    """A manifest without the services' own wiring (subscriptions, HTTP APIs, the saga), so the
    probe's events reach the probe alone; what each unit publishes, and the analytics feed,
    stay."""
    found = _WIRING.search(text)
    return text[: found.start()] if found else text


def start_up(project: Path, logs: Path) -> tuple[subprocess.Popen[str], str]:
    """Start ``ordermesh up`` on ``project``; the process and its EventBridge endpoint."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(PROBE), os.environ.get("PYTHONPATH", "")]),
        "PROBE_LOG_DIR": str(logs),
        "COLUMNS": "200",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ordermesh_platform.cli",
            "up",
            "--root",
            str(project),
            "--port",
            "0",
            "--retry-base-delay",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if match := URL.search(line):
            return process, match.group(1)
    process.kill()
    pytest.fail("ordermesh up did not start:\n" + "".join(seen))


def lines(path: Path) -> list[str]:
    """The words a probe handler logged to ``path`` (none if it logged nothing yet)."""
    return path.read_text().split() if path.exists() else []


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")
