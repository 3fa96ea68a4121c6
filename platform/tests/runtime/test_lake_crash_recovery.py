"""Kill ``ordermesh up`` with SIGKILL while it flushes the lake, again and again, and check that
each buffer became exactly one object: every accepted event is a row of exactly one Parquet
object, none is lost, none is in two, and what killed writers left in staging is no data."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pyarrow.parquet as pq
from botocore.config import Config
from ordermesh_platform.cli.lake_delivery import app as lake_app
from ordermesh_platform.runtime.bus import entry_from_event
from tests.runtime.up_process import ROOT, copy_project, start_up, wait_for
from typer.testing import CliRunner

SEED = 21
KILLS = 4
LOCAL_BUFFERING = "local_buffering = { size_mb = 1, interval_seconds = 5 }"
TINY_BUFFERING = "local_buffering = { size_mb = 1, interval_seconds = 0 }"  # flush every round


def _entries() -> list[dict[str, Any]]:
    example = ROOT / "contracts/schemas/order/OrderPlaced/examples/v2/single-line.json"
    return [entry_from_event(json.loads(example.read_text()))] * 10


class _Putter(threading.Thread):
    """Puts events until stopped or the runtime dies; keeps the ids PutEvents accepted."""

    def __init__(self, url: str, accepted: list[str]) -> None:
        super().__init__(daemon=True)
        self.client = boto3.client(
            "events",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5),
        )
        self.accepted = accepted
        self.stopping = threading.Event()

    def run(self) -> None:
        entries = _entries()
        while not self.stopping.is_set():
            try:
                response = self.client.put_events(Entries=entries)
            except Exception:  # noqa: BLE001 - the runtime was killed under the request
                return
            assert response["FailedEntryCount"] == 0, response
            self.accepted.extend(e["EventId"] for e in response["Entries"])


def _objects(lake: Path) -> list[Path]:
    return sorted((lake / "events").rglob("*.parquet")) if lake.is_dir() else []


def test_sigkill_during_flushes_leaves_each_event_in_exactly_one_object(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    project = copy_project(tmp_path)
    manifest = project / "platform" / "platform.toml"
    text = manifest.read_text()
    assert LOCAL_BUFFERING in text, "the probe's copy of the platform manifest keeps [lake]"
    manifest.write_text(text.replace(LOCAL_BUFFERING, TINY_BUFFERING))
    logs = tmp_path / "logs"
    logs.mkdir()
    lake = project / ".ordermesh" / "lake"
    accepted: list[str] = []
    for _ in range(KILLS):
        process, url = start_up(project, logs)
        putter = _Putter(url, accepted)
        try:
            written = len(_objects(lake))
            putter.start()
            wait_for(lambda n=written: len(_objects(lake)) > n, 20, "objects to be written")
            putter.stopping.wait(rng.uniform(0.1, 0.8))  # a random moment, flushes under way
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
            putter.stopping.set()
            putter.join(10)
    assert len(accepted) > KILLS * 10

    # What a killed process sealed and did not publish, and what is still buffered, is written.
    result = CliRunner().invoke(
        lake_app, ["flush", "--root", str(project), "--state-dir", str(project / ".ordermesh")]
    )
    assert result.exit_code == 0, result.output

    rows = Counter(
        str(i)
        for path in _objects(lake)
        for i in pq.read_table(path, columns=["id"]).column("id").to_pylist()
    )
    with sqlite3.connect(project / ".ordermesh" / "runtime.sqlite3") as conn:
        archived = {
            row[0]
            for row in conn.execute("SELECT id FROM archive WHERE detail_type = 'OrderPlaced'")
        }
        left = conn.execute("SELECT COUNT(*) FROM lake_records").fetchone()[0]
        unpublished = conn.execute(
            "SELECT COUNT(*) FROM lake_batches WHERE published_at IS NULL"
        ).fetchone()[0]
    assert set(accepted) <= archived, "every accepted event is archived"
    assert set(rows) == archived, "every archived event is in the lake, and nothing else"
    twice = {event_id: n for event_id, n in rows.items() if n > 1}
    assert twice == {}, f"{len(twice)} event(s) in more than one object"
    assert (left, unpublished) == (0, 0), "nothing is left buffered or sealed"
    files = sorted(p for p in (lake / "events").rglob("*") if p.is_file())
    assert files == _objects(lake), "the tables hold Parquet objects and nothing else"
