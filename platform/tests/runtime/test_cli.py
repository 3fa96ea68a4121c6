"""``ordermesh events|dlq|replay`` against a state folder, through the real command line."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from ordermesh_contracts import environment
from ordermesh_platform.cli import app
from ordermesh_platform.runtime.queues import Queues, QueueSettings
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store
from tests.corpus import PROJECT_ROOT
from typer.testing import CliRunner

ROOT = PROJECT_ROOT
EXAMPLE = ROOT / "contracts/schemas/order/OrderPlaced/examples/v2/single-line.json"
runner = CliRunner()


@pytest.fixture
def state(tmp_path: Path) -> list[str]:
    return ["--root", str(ROOT), "--state-dir", str(tmp_path)]


def test_events_put_and_tail(state: list[str]) -> None:
    result = runner.invoke(app, ["events", "put", "--file", str(EXAMPLE), *state])
    assert result.exit_code == 0, result.output
    assert "✓ entry 0:" in result.output
    event_id = result.output.split("entry 0:")[1].split()[0]
    tail = runner.invoke(app, ["events", "tail", *state])
    assert tail.exit_code == 0, tail.output
    assert event_id in tail.output
    filtered = runner.invoke(app, ["events", "tail", "--pattern", '{"source": ["nope"]}', *state])
    assert event_id not in filtered.output


def test_events_put_reports_the_contract_violation(state: list[str], tmp_path: Path) -> None:
    event = json.loads(EXAMPLE.read_text())
    del event["detail"]["data"]["orderId"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(event))
    result = runner.invoke(app, ["events", "put", "--file", str(bad), *state])
    assert result.exit_code == 1
    assert "ContractViolation" in result.output
    assert "OrderPlaced@2" in result.output
    assert "orderId" in result.output


def test_events_put_needs_a_whole_entry(state: list[str]) -> None:
    result = runner.invoke(app, ["events", "put", "--source", "x", *state])
    assert result.exit_code == 2
    assert "--detail-type" in result.output


def test_test_pattern_exit_codes(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(EXAMPLE.read_text())
    matching = '{"detail": {"data": {"total": {"currency": ["USD"]}}}}'
    missing = '{"detail": {"data": {"total": {"currency": ["EUR"]}}}}'
    invalid = '{"detail": {"data": [{"prefx": "a"}]}}'
    hit = runner.invoke(
        app, ["events", "test-pattern", "--pattern", matching, "--event", f"@{event}"]
    )
    assert (hit.exit_code, hit.output.strip()) == (0, "match")
    miss = runner.invoke(
        app, ["events", "test-pattern", "--pattern", missing, "--event", f"@{event}"]
    )
    assert (miss.exit_code, miss.output.strip()) == (1, "no match")
    bad = runner.invoke(
        app, ["events", "test-pattern", "--pattern", invalid, "--event", f"@{event}"]
    )
    assert bad.exit_code == 2
    assert "prefx" in bad.output


def test_dlq_list_show_and_redrive(state: list[str], tmp_path: Path) -> None:
    queues = Queues(Store(tmp_path / "runtime.sqlite3"), ManualClock())
    queues.create("work", QueueSettings(max_receive_count=1, dead_letter_queue="work-dlq"))
    queues.send("work", '{"order": 1}')
    queues.receive("work")
    queues.clock.advance(31)  # type: ignore[attr-defined]
    queues.receive("work")  # past maxReceiveCount: moved to the DLQ
    queues.store.close()

    listed = runner.invoke(app, ["dlq", "list", *state])
    assert listed.exit_code == 0, listed.output
    assert "work-dlq" in listed.output
    shown = runner.invoke(app, ["dlq", "show", "work-dlq", *state])
    assert shown.exit_code == 0, shown.output
    assert "from work" in shown.output
    assert '{"order": 1}' in shown.output
    redriven = runner.invoke(app, ["dlq", "redrive", "work-dlq", *state])
    assert "moved 1 message(s) from work-dlq" in redriven.output
    assert "is empty" in runner.invoke(app, ["dlq", "show", "work-dlq", *state]).output
    unknown = runner.invoke(app, ["dlq", "show", "nope", *state])
    assert unknown.exit_code == 2


def test_replay_command(state: list[str]) -> None:
    assert runner.invoke(app, ["events", "put", "--file", str(EXAMPLE), *state]).exit_code == 0
    result = runner.invoke(app, ["replay", "again", "--from", "2000-01-01T00:00:00", *state])
    assert result.exit_code == 0, result.output
    assert "replay again: 1 event(s) completed" in result.output
    again = runner.invoke(app, ["replay", "again", "--from", "2000-01-01T00:00:00", *state])
    assert again.exit_code == 1
    assert "ResourceAlreadyExistsException" in again.output


def test_up_says_when_its_port_is_taken(state: list[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["up", "--port", str(port), *state])
    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{port}" in result.output
    assert environment.current() is None  # the runtime it had opened is closed again


def test_alerts_tail_prints_the_alerts_the_bus_routed_to_the_alert_topic(
    state: list[str],
) -> None:
    # Given a WARNING and a CRITICAL anomaly put on the bus, with no `ordermesh up` running
    folder = ROOT / "contracts/schemas/analytics/AnomalyDetected/examples/v1"
    ids = {}
    for name in ("orders-per-minute-drop", "payment-decline-rate-spike"):
        put = runner.invoke(app, ["events", "put", "--file", str(folder / f"{name}.json"), *state])
        assert put.exit_code == 0, put.output
        data = json.loads((folder / f"{name}.json").read_text())["detail"]["data"]
        ids[data["severity"]] = data["anomalyId"]
    # When the alerts are tailed, Then each is printed on one line with its severity and metric
    tail = runner.invoke(app, ["alerts", "tail", *state])
    assert tail.exit_code == 0, tail.output
    lines = tail.output.splitlines()
    assert [line.split()[1] for line in lines] == ["WARNING", "CRITICAL"]
    assert ids["WARNING"] in lines[0]
    assert "payment_decline_rate" in lines[1]
    assert ids["CRITICAL"] in lines[1]
    # and --severity keeps the ones at or above it
    critical = runner.invoke(app, ["alerts", "tail", "--severity", "critical", *state])
    assert ids["WARNING"] not in critical.output
    assert ids["CRITICAL"] in critical.output
    bad = runner.invoke(app, ["alerts", "tail", "--severity", "LOUD", *state])
    assert bad.exit_code == 2
    assert "--severity" in bad.output
