"""Step Functions in the runtime: state machines declared in manifests, executions started by
rules (one per event), Task states calling local functions, task tokens answered by subscribers,
all on a manual clock."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.errors import ContractError
from ordermesh_contracts.manifest import ServiceManifest, load_manifest
from ordermesh_platform.runtime.functions import FunctionSettings
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.runtime.wiring import StateMachineSettings, WiringError, wire
from ordermesh_platform.shared.aws import state_machine_arn
from ordermesh_platform.shared.clock import ManualClock

PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
WAIT = {
    "StartAt": "Wait",
    "States": {
        "Wait": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
        "Done": {"Type": "Pass", "Result": "waited", "End": True},
    },
}
SERVICE = '[service]\nname = "test"\nsource = "ordermesh.test"\n'
START_RULE = """
[[rules]]
name = "start"
pattern = { source = ["test.start"] }
target = { kind = "state-machine", name = "flow", input_path = "$.detail" }
"""
FLOW = '[[state_machines]]\nname = "flow"\ndefinition = "flow.asl.json"\n'

Write = Callable[..., ServiceManifest]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write a manifest (``[service]`` added) and its files; the manifest, loaded."""
    folder = tmp_path / "service"
    folder.mkdir()

    def write_manifest(toml: str, **files: dict[str, Any] | str) -> ServiceManifest:
        for name, content in files.items():
            text = content if isinstance(content, str) else json.dumps(content)
            (folder / f"{name}.asl.json").write_text(text)
        path = folder / "service.toml"
        path.write_text(SERVICE + toml)
        return load_manifest(path)

    return write_manifest


@pytest.fixture
def runtime(tmp_path: Path, clock: ManualClock) -> Iterator[LocalRuntime]:
    runtime = LocalRuntime(RuntimeOptions(state_dir=tmp_path / "state"), clock=clock)
    yield runtime
    runtime.close()


def _apply(runtime: LocalRuntime, manifest: ServiceManifest) -> None:
    runtime.apply(runtime.wiring([manifest], load_catalog()))


def _put(runtime: LocalRuntime, source: str, detail: dict[str, Any]) -> str:
    entry = {"Source": source, "DetailType": "Test", "Detail": json.dumps(detail)}
    [outcome] = runtime.bus.put_events([{**entry, "EventBusName": "ordermesh"}]).entries
    assert outcome.event_id is not None, outcome
    return outcome.event_id


def _executions(runtime: LocalRuntime, machine: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = runtime.sfn.list_executions(state_machine_arn(machine))[
        "executions"
    ]
    return [runtime.sfn.describe_execution(e["executionArn"]) for e in reversed(listed)]


def _pending_starts(runtime: LocalRuntime) -> int:
    conn = runtime.store.connection()
    row = conn.execute("SELECT COUNT(*) FROM state_machine_starts WHERE started_at IS NULL")
    count: int = row.fetchone()[0]
    return count


# --- manifests --------------------------------------------------------------------------------
def test_manifest_state_machines_are_created_with_substitutions_and_updated(
    runtime: LocalRuntime, write: Write
) -> None:
    definition = json.dumps(WAIT).replace("60", "${Seconds}")
    toml = FLOW + "substitutions = { Seconds = 5 }\n"
    _apply(runtime, write(toml, flow=definition))
    described = runtime.sfn.describe_state_machine(state_machine_arn("flow"))
    assert described["type"] == "STANDARD"
    assert json.loads(described["definition"])["States"]["Wait"]["Seconds"] == 5

    _apply(runtime, write(toml.replace("5", "7"), flow=definition))  # a restart: updated
    described = runtime.sfn.describe_state_machine(state_machine_arn("flow"))
    assert json.loads(described["definition"])["States"]["Wait"]["Seconds"] == 7

    _apply(runtime, write(FLOW + 'type = "EXPRESS"\n', flow=PASS))  # a new type: replaced
    assert runtime.sfn.describe_state_machine(state_machine_arn("flow"))["type"] == "EXPRESS"


@pytest.mark.parametrize(
    ("field", "value", "pointer"),
    [
        ("type", '"FAST"', "#/state_machines/0/type"),
        ("name", '"no spaces"', "#/state_machines/0/name"),
        ("definition", '"/etc/flow.asl.json"', "#/state_machines/0/definition"),
        ("definition", '"flow.yaml"', "#/state_machines/0/definition"),
        ("substitutions", '{ "not-a-name" = "x" }', "#/state_machines/0/substitutions"),
    ],
)
def test_a_malformed_state_machine_names_the_field(
    write: Write, field: str, value: str, pointer: str
) -> None:
    spec = {"name": '"flow"', "definition": '"flow.asl.json"', field: value}
    toml = "[[state_machines]]\n" + "".join(f"{k} = {v}\n" for k, v in spec.items())
    with pytest.raises(ContractError) as error:
        write(toml, flow=PASS)
    [problem] = error.value.problems
    assert problem.pointer == pointer


@pytest.mark.parametrize(
    ("toml", "definition", "reason"),
    [
        (FLOW.replace("flow.asl", "other.asl"), PASS, "cannot read"),
        (FLOW, "{not json", "is not JSON"),
        (FLOW, {"StartAt": "Missing", "States": {}}, "is not a valid state machine"),
        (FLOW, json.dumps(WAIT).replace("60", "${Seconds}"), "uses ${Seconds}"),
        (FLOW + FLOW, PASS, "declared twice"),
    ],
)
def test_a_definition_that_cannot_be_used_names_the_manifest(
    write: Write, toml: str, definition: dict[str, Any] | str, reason: str
) -> None:
    manifest = write(toml, flow=definition)
    with pytest.raises(WiringError) as error:
        wire([manifest], load_catalog())
    assert error.value.where.startswith(str(manifest.path))
    assert "#/state_machines/" in error.value.where
    assert reason in error.value.reason


# --- starts from the bus ----------------------------------------------------------------------
def test_a_rule_starts_one_execution_per_event_and_a_redelivery_starts_none(
    runtime: LocalRuntime, write: Write, clock: ManualClock
) -> None:
    _apply(runtime, write(START_RULE + FLOW, flow=PASS))
    ids = [_put(runtime, "test.start", {"n": n}) for n in (1, 2)]
    runtime.run_until_idle()
    executions = _executions(runtime, "flow")
    assert [e["name"] for e in executions] == ids
    assert [e["status"] for e in executions] == ["SUCCEEDED", "SUCCEEDED"]
    assert [json.loads(e["output"]) for e in executions] == [{"n": 1}, {"n": 2}]

    clock.advance(1)
    runtime.bus.replay("again", 0, clock.now())  # the same events, delivered again
    assert _pending_starts(runtime) == 2
    runtime.run_until_idle()
    assert len(_executions(runtime, "flow")) == 2
    assert _pending_starts(runtime) == 0


def test_the_same_event_from_two_rules_with_other_input_starts_two_executions(
    runtime: LocalRuntime, write: Write
) -> None:
    raw_rule = START_RULE.replace('"start"', '"raw"').replace(', input_path = "$.detail"', "")
    _apply(runtime, write(START_RULE + raw_rule + FLOW, flow=PASS))
    event_id = _put(runtime, "test.start", {"n": 1})
    runtime.run_until_idle()
    names = sorted(e["name"] for e in _executions(runtime, "flow"))
    assert len(names) == 2
    assert names[0] == event_id
    assert names[1].startswith(f"{event_id}-")


def test_a_start_for_an_unknown_state_machine_waits_and_is_logged_once(
    runtime: LocalRuntime, write: Write, caplog: pytest.LogCaptureFixture
) -> None:
    _apply(runtime, write(START_RULE))
    event_id = _put(runtime, "test.start", {"n": 1})
    with caplog.at_level(logging.WARNING):
        assert runtime.run_until_idle() == 0
        assert runtime.run_until_idle() == 0
    [record] = [r for r in caplog.records if "flow" in r.getMessage()]
    assert "StateMachineDoesNotExist" in record.getMessage()
    assert _pending_starts(runtime) == 1

    runtime.put_state_machine(StateMachineSettings("flow", json.dumps(PASS)))
    runtime.run_until_idle()
    [execution] = _executions(runtime, "flow")
    assert (execution["name"], execution["status"]) == (event_id, "SUCCEEDED")
    assert _pending_starts(runtime) == 0


# --- executions in the runtime ----------------------------------------------------------------
def _start(runtime: LocalRuntime, machine: str, payload: dict[str, Any]) -> str:
    arn: str = runtime.sfn.start_execution(
        state_machine_arn(machine), name="e1", input=json.dumps(payload)
    )["executionArn"]
    return arn


def test_a_task_calls_a_local_function(runtime: LocalRuntime, write: Write) -> None:
    definition = {
        "StartAt": "Double",
        "States": {
            "Double": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "${Double}", "Payload.$": "$"},
                "ResultSelector": {"n.$": "$.Payload.n"},
                "End": True,
            }
        },
    }
    function = "arn:aws:lambda:us-east-1:000000000000:function:double"
    toml = FLOW + f'substitutions = {{ Double = "{function}" }}\n'
    _apply(runtime, write(toml, flow=definition))
    runtime.functions.register(
        "double", FunctionSettings(handler="x:y"), lambda event, _c: {"n": event["n"] * 2}
    )
    arn = _start(runtime, "flow", {"n": 21})
    runtime.run_until_idle()
    described = runtime.sfn.describe_execution(arn)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"n": 42})


def test_a_wait_ends_when_the_runtime_clock_passes_it(
    runtime: LocalRuntime, write: Write, clock: ManualClock
) -> None:
    _apply(runtime, write(FLOW, flow=WAIT))
    arn = _start(runtime, "flow", {})
    runtime.run_until_idle()
    assert runtime.sfn.describe_execution(arn)["status"] == "RUNNING"
    assert runtime.sfn.next_due() == clock.now() + 60
    clock.advance(60)
    runtime.run_until_idle()
    assert runtime.sfn.describe_execution(arn)["status"] == "SUCCEEDED"


PUT_EVENTS_ASK = {
    "Type": "Task",
    "Resource": "arn:aws:states:::events:putEvents.waitForTaskToken",
    "Parameters": {
        "Entries": [
            {
                "EventBusName": "ordermesh",
                "Source": "test.ask",
                "DetailType": "Ask",
                "Detail": {"token.$": "$$.Task.Token", "order.$": "$.order"},
            }
        ]
    },
}
LAMBDA_ASK = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "Parameters": {
        "FunctionName": "test-answer",
        "Payload": {"detail": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
    },
}
ANSWER_RULE = """
[[rules]]
name = "answer"
pattern = { source = ["test.ask"] }
target = { kind = "function", handler = "x:y" }
"""


@pytest.mark.parametrize(
    "ask",
    [
        pytest.param(PUT_EVENTS_ASK, id="events:putEvents"),
        pytest.param(LAMBDA_ASK, id="lambda:invoke"),
    ],
)
def test_a_subscriber_answers_the_task_token(
    runtime: LocalRuntime, write: Write, ask: dict[str, Any]
) -> None:
    ask = {**ask, "TimeoutSeconds": 300, "ResultPath": "$.reply", "End": True}
    _apply(runtime, write(ANSWER_RULE + FLOW, flow={"StartAt": "Ask", "States": {"Ask": ask}}))

    def answer(event: dict[str, Any], _context: object) -> None:
        reply = {"confirmed": event["detail"]["order"]}
        runtime.sfn.send_task_success(event["detail"]["token"], json.dumps(reply))

    runtime.functions.register("test-answer", FunctionSettings(handler="x:y"), answer)
    arn = _start(runtime, "flow", {"order": "o-1"})
    runtime.run_until_idle()
    described = runtime.sfn.describe_execution(arn)
    assert described.get("error") is None, described.get("cause")
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"order": "o-1", "reply": {"confirmed": "o-1"}}
