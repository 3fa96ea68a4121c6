"""Executions outlive the Step Functions engine's process and its faults: they survive a
restart (old task tokens still work), a store from before the definitions table is
migrated, and an execution the engine cannot run fails after a few tries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store
from tests.sfn.engine_support import (
    PASS_CHAIN,
    TOKEN,
    WAIT,
    RecordingIntegrations,
    _machine,
    _types,
)


def test_executions_survive_a_restart_and_old_tokens_still_work(
    tmp_path: Path, clock: ManualClock, calls: RecordingIntegrations
) -> None:
    path = tmp_path / "state" / "runtime.sqlite3"
    first = StepFunctions(Store(path), clock, calls)
    machine = _machine(first, TOKEN)
    waiting = first.start_execution(machine, name="w", input='{"order": "o"}')["executionArn"]
    timer = _machine(first, WAIT, name="timer")
    sleeping = first.start_execution(timer, name="s")["executionArn"]
    first.run_until_idle()
    first.store.close()

    second = StepFunctions(Store(path), clock, RecordingIntegrations())
    second.recover()
    second.send_task_success(calls.tokens()[0], '"done"')
    clock.advance(60)
    second.run_until_idle()
    assert second.describe_execution(waiting)["status"] == "SUCCEEDED"
    assert second.describe_execution(sleeping)["status"] == "SUCCEEDED"
    assert _types(second, waiting).count("ExecutionStarted") == 1


_EXECUTIONS_BEFORE_DEFINITIONS_TABLE = """
CREATE TABLE sfn_executions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, arn TEXT NOT NULL UNIQUE,
    state_machine_arn TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
    status TEXT NOT NULL, input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
    start_date REAL NOT NULL, stop_date REAL, definition TEXT NOT NULL, role_arn TEXT NOT NULL,
    snapshot TEXT, next_at REAL, lease_until REAL, redrive_count INTEGER NOT NULL DEFAULT 0,
    redrive_date REAL
)
"""


def test_a_store_from_before_the_definitions_table_is_migrated(
    tmp_path: Path, clock: ManualClock
) -> None:
    """Executions stored when each row held its definition run on after the upgrade."""
    current = Store(tmp_path / "current.sqlite3")
    sfn = StepFunctions(current, clock)
    arn = sfn.start_execution(_machine(sfn, WAIT), name="parked")["executionArn"]
    sfn.run_until_idle()
    row = dict(current.connection().execute("SELECT * FROM sfn_executions").fetchone())
    row["definition"] = json.dumps(WAIT)
    del row["definition_id"]
    current.close()

    old = Store(tmp_path / "old.sqlite3")
    with old.write() as conn:
        conn.execute(_EXECUTIONS_BEFORE_DEFINITIONS_TABLE)
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        insert = f"INSERT INTO sfn_executions ({columns}) VALUES ({marks})"  # noqa: S608
        conn.execute(insert, tuple(row.values()))
    upgraded = StepFunctions(old, clock)
    columns_now = {r["name"] for r in old.connection().execute("PRAGMA table_info(sfn_executions)")}
    assert "definition_id" in columns_now
    assert "definition" not in columns_now
    clock.advance(60)
    upgraded.run_until_idle()
    described = upgraded.describe_execution(arn)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", "waited")
    StepFunctions(old, clock)  # opening a migrated store again changes nothing
    old.close()


def test_an_execution_the_engine_cannot_run_fails_after_a_few_tries(
    sfn: StepFunctions, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = sfn.start_execution(_machine(sfn, PASS_CHAIN))["executionArn"]

    def broken(_run: object) -> None:
        message = "disk on fire"
        raise RuntimeError(message)

    monkeypatch.setattr(sfn.worker, "_advance", broken)
    for _ in range(10):
        sfn.run_due()
        clock.advance(1)
    described = sfn.describe_execution(arn)
    assert (described["status"], described["error"]) == ("FAILED", "States.Runtime")
    assert "disk on fire" in described["cause"]
    assert _types(sfn, arn)[-1] == "ExecutionFailed"
