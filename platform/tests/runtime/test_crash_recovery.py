"""Kill ``ordermesh up`` with SIGKILL while it delivers, start it again, and check that nothing
accepted was lost: every event reaches every subscriber, in-flight messages come back after
their visibility timeout, the archive is whole and no dead-letter queue received anything."""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path
from typing import Any

import boto3
from ordermesh_platform.runtime.bus import entry_from_event
from tests.runtime.up_process import ROOT, copy_project, lines, start_up, wait_for

EVENTS = 200


def _entries() -> list[dict[str, Any]]:
    example = ROOT / "contracts/schemas/order/OrderPlaced/examples/v2/single-line.json"
    return [entry_from_event(json.loads(example.read_text()))] * EVENTS


def test_sigkill_while_delivering_loses_nothing(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    logs = tmp_path / "logs"
    logs.mkdir()
    process, url = start_up(project, logs)
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
        wait_for(lambda: len(lines(logs / "queue.log")) >= 20, 30, "deliveries to start")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    delivered_before = len(lines(logs / "queue.log"))
    assert delivered_before < EVENTS, "the kill must land while delivering"

    database = project / ".ordermesh" / "runtime.sqlite3"
    with sqlite3.connect(database) as conn:
        archived = [row[0] for row in conn.execute("SELECT id FROM archive")]
    # The services' own reactions (sagas the probe's orders start) are archived beside them.
    ours = [event_id for event_id in archived if event_id in set(accepted)]
    assert sorted(ours) == sorted(accepted), "archive intact: every accepted event, once"

    process, _ = start_up(project, logs)
    try:
        wait_for(
            lambda: (
                set(lines(logs / "queue.log")) >= set(accepted)
                and set(lines(logs / "function.log")) >= set(accepted)
            ),
            90,
            "every accepted event to reach both subscribers after the restart",
        )
        with sqlite3.connect(database) as conn:
            dead = conn.execute(
                "SELECT queue, COUNT(*) FROM messages WHERE queue LIKE '%-dlq' GROUP BY queue"
            ).fetchall()
            assert dead == [], f"nothing belongs in a dead-letter queue: {dead}"
        wait_for(lambda: _queue_empty(database), 30, "the queue to drain")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert set(lines(logs / "queue.log")) == set(accepted)


def _queue_empty(database: Path) -> bool:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
