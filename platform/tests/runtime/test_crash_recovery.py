"""Kill ``ordermesh up`` with SIGKILL while it delivers, start it again, and check that nothing
accepted was lost: every event reaches every subscriber, in-flight messages come back after
their visibility timeout, the archive is whole and no dead-letter queue received anything."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from ordermesh_platform.runtime.bus import entry_from_event
from tests.corpus import PROJECT_ROOT

ROOT = PROJECT_ROOT
PROBE = Path(__file__).parent / "probe"
EVENTS = 200
URL = re.compile(r"EventBridge endpoint (http://[\d.]+:\d+)")


def _project(tmp: Path) -> Path:
    project = tmp / "project"
    shutil.copytree(ROOT / "contracts" / "schemas", project / "contracts" / "schemas")
    shutil.copytree(ROOT / "contracts" / "released", project / "contracts" / "released")
    shutil.copy(ROOT / "contracts" / "registry.lock.json", project / "contracts")
    for manifest in [*ROOT.glob("services/*/service.toml"), ROOT / "platform" / "platform.toml"]:
        target = project / manifest.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(manifest, target)
    (project / "services" / "probe").mkdir()
    shutil.copy(PROBE / "service.toml", project / "services" / "probe" / "service.toml")
    return project


def _start(project: Path, logs: Path) -> tuple[subprocess.Popen[str], str]:
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


def _entries() -> list[dict[str, Any]]:
    example = ROOT / "contracts/schemas/order/OrderPlaced/examples/v2/single-line.json"
    return [entry_from_event(json.loads(example.read_text()))] * EVENTS


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_sigkill_while_delivering_loses_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path)
    logs = tmp_path / "logs"
    logs.mkdir()
    process, url = _start(project, logs)
    try:
        client = boto3.client(
            "events",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        accepted: list[str] = []
        entries = _entries()
        for start in range(0, EVENTS, 10):
            response = client.put_events(Entries=entries[start : start + 10])
            assert response["FailedEntryCount"] == 0, response
            accepted += [e["EventId"] for e in response["Entries"]]
        _wait_for(lambda: len(_lines(logs / "queue.log")) >= 20, 30, "deliveries to start")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    delivered_before = len(_lines(logs / "queue.log"))
    assert delivered_before < EVENTS, "the kill must land while delivering"

    database = project / ".ordermesh" / "runtime.sqlite3"
    with sqlite3.connect(database) as conn:
        archived = [row[0] for row in conn.execute("SELECT id FROM archive")]
    assert sorted(archived) == sorted(accepted), "archive intact: every accepted event, once"

    process, _ = _start(project, logs)
    try:
        _wait_for(
            lambda: (
                set(_lines(logs / "queue.log")) >= set(accepted)
                and set(_lines(logs / "function.log")) >= set(accepted)
            ),
            90,
            "every accepted event to reach both subscribers after the restart",
        )
        with sqlite3.connect(database) as conn:
            dead = conn.execute(
                "SELECT queue, COUNT(*) FROM messages WHERE queue LIKE '%-dlq' GROUP BY queue"
            ).fetchall()
            assert dead == [], f"nothing belongs in a dead-letter queue: {dead}"
        _wait_for(lambda: _queue_empty(database), 30, "the queue to drain")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert set(_lines(logs / "queue.log")) == set(accepted)


def _queue_empty(database: Path) -> bool:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
