"""Kill ``ordermesh up`` with SIGKILL while executions wait, start it again, and check that they
resume: a Wait ends on time (once), a task token issued before the crash is accepted after it and
ends its execution with the output sent, and a Task call the kill interrupted runs again."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.shared.aws import state_machine_arn
from ordermesh_platform.shared.clock import SystemClock
from ordermesh_platform.shared.store import Store
from tests.runtime.up_process import PROBE, copy_project, lines, start_up, wait_for


def _types(sfn: StepFunctions, arn: str) -> list[str]:
    return [e["type"] for e in sfn.get_execution_history(arn, max_results=1000)["events"]]


def _status(sfn: StepFunctions, arn: str) -> str:
    status: str = sfn.describe_execution(arn)["status"]
    return status


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path, PROBE / "sfn")


def test_waits_and_task_tokens_survive_sigkill(project: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    process, _ = start_up(project, logs)
    store = Store.in_directory(project / ".ordermesh")
    sfn = StepFunctions(store, SystemClock())
    try:
        wait = sfn.start_execution(
            state_machine_arn("probe-wait"), name="wait-1", input='{"order": "o-1"}'
        )["executionArn"]
        token_task = sfn.start_execution(
            state_machine_arn("probe-token"), name="token-1", input='{"order": "o-2"}'
        )["executionArn"]
        slow = sfn.start_execution(
            state_machine_arn("probe-slow"), name="slow-1", input='{"order": "o-3"}'
        )["executionArn"]
        wait_for(lambda: lines(logs / "tokens.log"), 10, "the token task's question")
        wait_for(lambda: "WaitStateEntered" in _types(sfn, wait), 10, "the Wait to start")
        wait_for(lambda: lines(logs / "slow.log"), 10, "the slow call to start")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    [token] = lines(logs / "tokens.log")
    assert _status(sfn, wait) == "RUNNING", "the kill must land while the Wait waits"
    assert _status(sfn, token_task) == "RUNNING"
    assert _status(sfn, slow) == "RUNNING", "the kill must land during the slow call"
    assert "TaskSucceeded" not in _types(sfn, slow)

    process, _ = start_up(project, logs)
    try:
        sfn.send_task_success(token, json.dumps({"answer": 42}))
        wait_for(
            lambda: {_status(sfn, arn) for arn in (wait, token_task, slow)} == {"SUCCEEDED"},
            10,
            "the executions to succeed after the restart",
        )
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    try:
        _check_wait(sfn, wait)
        described: dict[str, Any] = sfn.describe_execution(token_task)
        assert json.loads(described["output"]) == {"order": "o-2", "reply": {"answer": 42}}
        assert _types(sfn, token_task).count("TaskSubmitted") == 1
        assert lines(logs / "tokens.log") == [token], "the question was asked once"
        assert lines(logs / "slow.log") == ["o-3", "o-3"], "the interrupted call ran again"
        assert json.loads(sfn.describe_execution(slow)["output"]) == {"answer": "slow"}
        assert _types(sfn, slow).count("TaskSucceeded") == 1
    finally:
        store.close()


def _check_wait(sfn: StepFunctions, arn: str) -> None:
    described = sfn.describe_execution(arn)
    assert json.loads(described["output"]) == {"order": "o-1", "result": "waited"}
    assert described["stopDate"] - described["startDate"] >= 3  # the Wait's 3 seconds
    types = _types(sfn, arn)
    assert types.count("ExecutionStarted") == 1
    assert types.count("WaitStateEntered") == 1
    assert types.count("WaitStateExited") == 1
    assert types[-1] == "ExecutionSucceeded"
