"""``ordermesh sfn`` against a state folder, through the real command line.

The commands only record starts, signals, stops and redrives; the tests run the executions with
a Step Functions service of their own on the same database, as ``ordermesh up`` would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from ordermesh_platform.cli import app
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.shared.clock import SystemClock
from ordermesh_platform.shared.store import DATABASE_NAME, Store
from tests.corpus import PROJECT_ROOT
from tests.sfn.machines import APPROVAL, CHARGE, GREET, PAUSE, Recorder, text
from typer.testing import CliRunner, Result

runner = CliRunner(env={"COLUMNS": "200"})  # rich tables one row a line


@pytest.fixture
def state(tmp_path: Path) -> list[str]:
    return ["--root", str(PROJECT_ROOT), "--state-dir", str(tmp_path)]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def sfn(tmp_path: Path, recorder: Recorder) -> Iterator[StepFunctions]:
    """The worker's side, on the real clock as the command line is (nothing here waits)."""
    service = StepFunctions(Store(tmp_path / DATABASE_NAME), SystemClock(), recorder)
    yield service
    service.store.close()


def _sfn(*args: str, state: list[str]) -> Result:
    return runner.invoke(app, ["sfn", *args, *state])


def _ok(*args: str, state: list[str]) -> str:
    result = _sfn(*args, state=state)
    assert result.exit_code == 0, result.output
    return result.output


def _fails(*args: str, state: list[str], code: int = 1) -> str:
    result = _sfn(*args, state=state)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def test_start_describe_history_and_list(state: list[str], sfn: StepFunctions) -> None:
    sfn.create_state_machine("greeter", text(GREET))
    started = _ok("start", "greeter", "--name", "e1", "--input", '{"who": "ann"}', state=state)
    assert "started arn:aws:states:us-east-1:000000000000:execution:greeter:e1" in started
    assert "RUNNING" in _ok("describe", "greeter:e1", state=state)
    sfn.run_until_idle()

    described = _ok("describe", "greeter:e1", state=state)
    assert "SUCCEEDED" in described
    assert '"greeting":"hello ann"' in described
    assert 'input     {"who": "ann"}' in described
    raw = json.loads(_ok("describe", "greeter:e1", "--json", state=state))
    assert (raw["status"], raw["name"]) == ("SUCCEEDED", "e1")

    table = _ok("history", "greeter:e1", state=state)
    for shown in ("ExecutionStarted", "PassStateEntered", "Greet", "ExecutionSucceeded"):
        assert shown in table
    assert table.index("ExecutionStarted") < table.index("ExecutionSucceeded")
    newest_first = _ok("history", "greeter:e1", "--reverse", state=state)
    assert newest_first.index("ExecutionSucceeded") < newest_first.index("ExecutionStarted")
    events = json.loads(_ok("history", "greeter:e1", "--json", state=state))["events"]
    assert [e["id"] for e in events] == [1, 2, 3, 4, 5, 6]
    reversed_events = json.loads(_ok("history", "greeter:e1", "--json", "--reverse", state=state))
    assert [e["id"] for e in reversed_events["events"]] == [6, 5, 4, 3, 2, 1]

    _ok("start", "greeter", "--name", "e2", "--input", '{"who": "bo"}', state=state)
    listed = _ok("list", "greeter", state=state)
    assert listed.index("e2") < listed.index("e1"), "newest first"
    assert "SUCCEEDED" in listed
    running = _ok("list", "greeter", "--status", "running", state=state)
    assert "e2" in running
    assert "e1" not in running
    assert "greeter" in _ok("list", state=state)


def test_start_takes_an_arn_and_input_from_a_file(
    state: list[str], sfn: StepFunctions, tmp_path: Path
) -> None:
    arn = sfn.create_state_machine("greeter", text(GREET))["stateMachineArn"]
    payload = tmp_path / "input.json"
    payload.write_text('{"who": "file"}')
    _ok("start", arn, "--name", "from-file", "--input", f"@{payload}", state=state)
    sfn.run_until_idle()
    assert "hello file" in _ok("describe", "greeter:from-file", state=state)


def test_errors_are_one_line_and_exit_1(state: list[str], sfn: StepFunctions) -> None:
    sfn.create_state_machine("greeter", text(GREET))
    assert "StateMachineDoesNotExist" in _fails("start", "nope", state=state)
    assert "InvalidExecutionInput" in _fails("start", "greeter", "--input", "{oops", state=state)
    assert "ExecutionDoesNotExist" in _fails("describe", "greeter:missing", state=state)
    assert "ExecutionDoesNotExist" in _fails("history", "greeter:missing", state=state)
    assert "ValidationException" in _fails("list", "greeter", "--status", "DONE", state=state)
    assert "InvalidToken" in _fails("send-success", "bad", "--output", "{}", state=state)
    assert "MACHINE:NAME" in _fails("describe", "just-a-name", state=state, code=2)
    assert "No such file" in _fails("start", "greeter", "--input", "@/no/such", state=state, code=2)


def test_task_tokens_stop_and_redrive(
    state: list[str], sfn: StepFunctions, recorder: Recorder
) -> None:
    machine = sfn.create_state_machine("approval", text(APPROVAL))["stateMachineArn"]
    sfn.start_execution(machine, name="yes", input='{"order": "o-1"}')
    sfn.start_execution(machine, name="no", input='{"order": "o-2"}')
    sfn.run_until_idle()
    token_yes, token_no = recorder.tokens
    assert "task succeeded" in _ok(
        "send-success", token_yes, "--output", '{"approved": true}', state=state
    )
    _ok("send-failure", token_no, "--error", "Rejected", "--cause", "over budget", state=state)
    assert "TaskDoesNotExist" in _fails("send-failure", token_no, state=state)
    sfn.run_until_idle()
    assert '"approval":{"approved":true}' in _ok("describe", "approval:yes", state=state)
    rejected = _ok("describe", "approval:no", state=state)
    assert "FAILED" in rejected
    assert "Rejected" in rejected
    assert "over budget" in rejected
    assert "Rejected: over budget" in _ok("history", "approval:no", state=state)

    pause = sfn.create_state_machine("pauser", text(PAUSE))["stateMachineArn"]
    sfn.start_execution(pause, name="p")
    sfn.run_until_idle()
    _ok("stop", "pauser:p", "--error", "Cancelled", "--cause", "by hand", state=state)
    assert "ABORTED" in _ok("describe", "pauser:p", state=state)

    recorder.failing.add("invoke")
    charge = sfn.create_state_machine("charge", text(CHARGE))["stateMachineArn"]
    sfn.start_execution(charge, name="c", input='{"order": "o-3"}')
    sfn.run_until_idle()
    assert "Payment.Declined" in _ok("describe", "charge:c", state=state)
    recorder.failing.clear()
    assert "redriven" in _ok("redrive", "charge:c", state=state)
    sfn.run_until_idle()
    redriven = _ok("describe", "charge:c", state=state)
    assert "SUCCEEDED" in redriven
    assert "1 time(s)" in redriven
    assert "ExecutionNotRedrivable" in _fails("redrive", "charge:c", state=state)
