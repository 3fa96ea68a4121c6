"""boto3 against the runtime's Step Functions endpoint on loopback (the port EventBridge shares).

The service runs on a manual clock and the tests run its executions (``run_until_idle``)
between calls, so nothing waits on real time.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from ordermesh_platform.runtime.bus import LocalEventBus
from ordermesh_platform.runtime.server import BackgroundServer
from ordermesh_platform.runtime.wire import aws_app
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store
from tests.sfn.machines import APPROVAL, CHARGE, GREET, PAUSE, Recorder, text

ROLE = "arn:aws:iam::000000000000:role/states"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def sfn(store: Store, clock: ManualClock, recorder: Recorder) -> StepFunctions:
    return StepFunctions(store, clock, recorder)


@pytest.fixture
def server(store: Store, clock: ManualClock, sfn: StepFunctions) -> Iterator[BackgroundServer]:
    with BackgroundServer(aws_app(LocalEventBus(store, clock), sfn)) as server:
        yield server


def _client(server: BackgroundServer, service: str = "stepfunctions", **config: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, **config),
    )


@pytest.fixture
def client(server: BackgroundServer) -> Any:
    return _client(server)


def _code(call: Callable[[], object]) -> str:
    with pytest.raises(ClientError) as error:
        call()
    code: str = error.value.response["Error"]["Code"]
    return code


def _machine(client: Any, name: str, definition: dict[str, Any], **extra: Any) -> str:
    created = client.create_state_machine(
        name=name, definition=text(definition), roleArn=ROLE, **extra
    )
    arn: str = created["stateMachineArn"]
    return arn


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def test_start_describe_and_idempotent_starts(
    client: Any, sfn: StepFunctions, clock: ManualClock
) -> None:
    machine = _machine(client, "greeter", GREET)
    assert machine == "arn:aws:states:us-east-1:000000000000:stateMachine:greeter"
    described = client.describe_state_machine(stateMachineArn=machine)
    assert (described["name"], described["type"], described["roleArn"]) == (
        "greeter",
        "STANDARD",
        ROLE,
    )
    assert described["creationDate"] == _at(clock.now())

    started = client.start_execution(stateMachineArn=machine, name="e1", input='{"who": "ann"}')
    assert started["executionArn"].endswith(":execution:greeter:e1")
    again = client.start_execution(stateMachineArn=machine, name="e1", input='{"who": "ann"}')
    assert (again["executionArn"], again["startDate"]) == (
        started["executionArn"],
        started["startDate"],
    )
    assert (
        _code(lambda: client.start_execution(stateMachineArn=machine, name="e1", input="{}"))
        == "ExecutionAlreadyExists"
    )
    running = client.describe_execution(executionArn=started["executionArn"])
    assert running["status"] == "RUNNING"
    assert "stopDate" not in running

    clock.advance(2.5)
    sfn.run_until_idle()
    done = client.describe_execution(executionArn=started["executionArn"])
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"greeting": "hello ann"}
    assert done["input"] == '{"who": "ann"}'
    assert done["stopDate"] - done["startDate"] == timedelta(seconds=2.5)
    assert (
        _code(lambda: client.start_execution(stateMachineArn=machine, name="e1", input="{}"))
        == "ExecutionAlreadyExists"
    ), "a closed execution's name is taken"
    metadata = client.describe_execution(
        executionArn=started["executionArn"], includedData="METADATA_ONLY"
    )
    assert "output" not in metadata
    assert metadata["outputDetails"] == {"included": False}


def test_requests_aws_rejects(client: Any) -> None:
    machine = _machine(client, "greeter", GREET)
    missing_execution = machine.replace(":stateMachine:", ":execution:") + ":nope"
    cases: list[tuple[Callable[[], object], str]] = [
        (
            lambda: client.create_state_machine(
                name="broken", definition='{"StartAt": "Nowhere", "States": {}}', roleArn=ROLE
            ),
            "InvalidDefinition",
        ),
        (
            lambda: client.create_state_machine(name="bad", definition="{oops", roleArn=ROLE),
            "InvalidDefinition",
        ),
        (
            lambda: client.create_state_machine(name="bad name", definition="{}", roleArn=ROLE),
            "InvalidName",
        ),
        (
            lambda: client.create_state_machine(
                name="greeter", definition=text(PAUSE), roleArn=ROLE
            ),
            "StateMachineAlreadyExists",
        ),
        (lambda: client.start_execution(stateMachineArn=machine + "x"), "StateMachineDoesNotExist"),
        (lambda: client.start_execution(stateMachineArn="nope"), "InvalidArn"),
        (
            lambda: client.start_execution(stateMachineArn=machine, input="[1,"),
            "InvalidExecutionInput",
        ),
        (
            lambda: client.describe_execution(executionArn=missing_execution),
            "ExecutionDoesNotExist",
        ),
        (lambda: client.update_state_machine(stateMachineArn=machine), "MissingRequiredParameter"),
        (
            lambda: client.list_executions(stateMachineArn=machine, statusFilter="DONE"),
            "ValidationException",
        ),
        (lambda: client.list_executions(stateMachineArn=machine, nextToken="x!"), "InvalidToken"),
    ]
    for call, code in cases:
        assert _code(call) == code


def test_state_machine_lifecycle(client: Any, clock: ManualClock) -> None:
    machine = _machine(client, "greeter", GREET)
    _machine(client, "pauser", PAUSE)
    clock.advance(10)
    updated = client.update_state_machine(stateMachineArn=machine, definition=text(PAUSE))
    assert updated["updateDate"] == _at(clock.now())
    assert json.loads(client.describe_state_machine(stateMachineArn=machine)["definition"]) == PAUSE
    pages = client.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 1})
    assert [m["name"] for page in pages for m in page["stateMachines"]] == ["greeter", "pauser"]
    client.delete_state_machine(stateMachineArn=machine)
    listed = client.list_state_machines()["stateMachines"]
    assert [m["name"] for m in listed] == ["pauser"]


def test_list_executions_filters_and_pages(client: Any) -> None:
    machine = _machine(client, "pauser", PAUSE)
    arns = [
        client.start_execution(stateMachineArn=machine, name=f"e{i}")["executionArn"]
        for i in range(5)
    ]
    client.stop_execution(executionArn=arns[1])
    first = client.list_executions(stateMachineArn=machine, maxResults=2)
    assert [e["name"] for e in first["executions"]] == ["e4", "e3"]
    rest = client.list_executions(stateMachineArn=machine, nextToken=first["nextToken"])
    assert [e["name"] for e in rest["executions"]] == ["e2", "e1", "e0"]
    assert "nextToken" not in rest

    pages = list(
        client.get_paginator("list_executions").paginate(
            stateMachineArn=machine, PaginationConfig={"PageSize": 2}
        )
    )
    assert [len(p["executions"]) for p in pages] == [2, 2, 1]
    assert [e["executionArn"] for p in pages for e in p["executions"]] == arns[::-1]

    aborted = client.list_executions(stateMachineArn=machine, statusFilter="ABORTED")
    assert [(e["name"], e["status"]) for e in aborted["executions"]] == [("e1", "ABORTED")]
    assert isinstance(aborted["executions"][0]["stopDate"], datetime)
    running = client.get_paginator("list_executions").paginate(
        stateMachineArn=machine, statusFilter="RUNNING", PaginationConfig={"PageSize": 3}
    )
    assert len(running.build_full_result()["executions"]) == 4


def test_history_in_reverse_and_in_pages(
    client: Any, sfn: StepFunctions, clock: ManualClock
) -> None:
    machine = _machine(client, "greeter", GREET)
    started = clock.now()
    arn = client.start_execution(stateMachineArn=machine, input='{"who": "bo"}')["executionArn"]
    sfn.run_until_idle()
    newest = client.get_execution_history(executionArn=arn, maxResults=4, reverseOrder=True)
    assert [e["id"] for e in newest["events"]] == [6, 5, 4, 3]
    assert newest["events"][0]["type"] == "ExecutionSucceeded"
    oldest = client.get_execution_history(
        executionArn=arn, maxResults=4, reverseOrder=True, nextToken=newest["nextToken"]
    )
    assert [e["id"] for e in oldest["events"]] == [2, 1]
    assert "nextToken" not in oldest

    pages = list(
        client.get_paginator("get_execution_history").paginate(
            executionArn=arn, PaginationConfig={"PageSize": 4}
        )
    )
    events = [e for page in pages for e in page["events"]]
    assert [e["id"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert all(e["timestamp"] == _at(started) for e in events)
    assert events[0]["executionStartedEventDetails"]["input"] == '{"who":"bo"}'
    assert events[2]["stateExitedEventDetails"]["name"] == "Greet"

    bare = client.get_execution_history(executionArn=arn, includeExecutionData=False)["events"]
    assert "input" not in bare[0]["executionStartedEventDetails"]


def test_task_token_success_failure_and_token_errors(
    client: Any, sfn: StepFunctions, recorder: Recorder
) -> None:
    machine = _machine(client, "approval", APPROVAL)
    ok = client.start_execution(stateMachineArn=machine, name="ok", input='{"order": "o-1"}')
    no = client.start_execution(stateMachineArn=machine, name="no", input='{"order": "o-2"}')
    sfn.run_until_idle()
    token_ok, token_no = recorder.tokens
    client.send_task_heartbeat(taskToken=token_ok)
    client.send_task_success(taskToken=token_ok, output='{"approved": true}')
    client.send_task_failure(taskToken=token_no, error="Rejected", cause="over budget")
    sfn.run_until_idle()

    approved = client.describe_execution(executionArn=ok["executionArn"])
    assert approved["status"] == "SUCCEEDED"
    assert json.loads(approved["output"]) == {"order": "o-1", "approval": {"approved": True}}
    rejected = client.describe_execution(executionArn=no["executionArn"])
    assert (rejected["status"], rejected["error"], rejected["cause"]) == (
        "FAILED",
        "Rejected",
        "over budget",
    )
    assert _code(lambda: client.send_task_success(taskToken=token_ok, output="{}")) == (
        "TaskDoesNotExist"
    )
    assert _code(lambda: client.send_task_failure(taskToken="not-a-token")) == "InvalidToken"
    assert _code(lambda: client.send_task_heartbeat(taskToken="x" * 64)) == "TaskDoesNotExist"


def test_send_task_success_rejects_output_that_is_not_json(
    client: Any, sfn: StepFunctions, recorder: Recorder
) -> None:
    machine = _machine(client, "approval", APPROVAL)
    client.start_execution(stateMachineArn=machine, input='{"order": "o"}')
    sfn.run_until_idle()
    [token] = recorder.tokens
    assert _code(lambda: client.send_task_success(taskToken=token, output="{no")) == (
        "InvalidOutput"
    )


def test_stop_then_redrive(client: Any, sfn: StepFunctions, recorder: Recorder) -> None:
    waiting = client.start_execution(stateMachineArn=_machine(client, "pauser", PAUSE))
    sfn.run_until_idle()
    stopped = client.stop_execution(
        executionArn=waiting["executionArn"], error="Cancelled", cause="by the test"
    )
    assert isinstance(stopped["stopDate"], datetime)
    aborted = client.describe_execution(executionArn=waiting["executionArn"])
    assert (aborted["status"], aborted["error"], aborted["cause"]) == (
        "ABORTED",
        "Cancelled",
        "by the test",
    )

    recorder.failing.add("invoke")
    charge = _machine(client, "charge", CHARGE)
    arn = client.start_execution(stateMachineArn=charge, input='{"order": "o-9"}')["executionArn"]
    sfn.run_until_idle()
    failed = client.describe_execution(executionArn=arn)
    assert (failed["status"], failed["error"], failed["redriveStatus"]) == (
        "FAILED",
        "Payment.Declined",
        "REDRIVABLE",
    )
    recorder.failing.clear()
    assert isinstance(client.redrive_execution(executionArn=arn)["redriveDate"], datetime)
    sfn.run_until_idle()
    redriven = client.describe_execution(executionArn=arn)
    assert (redriven["status"], redriven["redriveCount"]) == ("SUCCEEDED", 1)
    assert json.loads(redriven["output"]) == {"charged": {"order": "o-9", "stock": "held"}}
    assert _code(lambda: client.redrive_execution(executionArn=arn)) == "ExecutionNotRedrivable"


def test_start_sync_execution_with_host_prefix_injection_off(server: BackgroundServer) -> None:
    client = _client(server, inject_host_prefix=False)
    express = _machine(client, "quick", GREET, type="EXPRESS")
    result = client.start_sync_execution(stateMachineArn=express, input='{"who": "cy"}')
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"greeting": "hello cy"}
    assert isinstance(result["stopDate"], datetime)
    assert result["billingDetails"]["billedDurationInMilliseconds"] >= 100
    standard = _machine(client, "slow", GREET)
    assert _code(lambda: client.start_sync_execution(stateMachineArn=standard)) == (
        "StateMachineTypeNotSupported"
    )


def test_start_sync_execution_with_host_prefix_injection_off_in_the_environment(
    server: BackgroundServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
    client = _client(server)
    express = _machine(client, "quick", GREET, type="EXPRESS")
    result = client.start_sync_execution(stateMachineArn=express, input='{"who": "di"}')
    assert result["status"] == "SUCCEEDED"


class _Sent(Exception):  # noqa: N818 - stops the request where it would leave
    pass


def test_by_default_boto3_sends_start_sync_execution_to_the_sync_host(
    server: BackgroundServer,
) -> None:
    client = _client(server)
    urls: list[str] = []

    def capture(request: Any, **_: Any) -> None:
        urls.append(request.url)
        raise _Sent

    client.meta.events.register("before-send.sfn.StartSyncExecution", capture)
    with pytest.raises(_Sent):
        client.start_sync_execution(stateMachineArn="arn:aws:states:::stateMachine:x")
    assert urls == [f"http://sync-{server.host}:{server.port}/"]


def _post(server: BackgroundServer, target: str, body: bytes, **headers: str) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request(
            "POST",
            "/",
            body,
            {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0", **headers},
        )
        response = conn.getresponse()
        assert response.getheader("content-type") == "application/x-amz-json-1.0"
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_protocol_errors_and_the_host_header(server: BackgroundServer) -> None:
    assert _post(server, "AWSStepFunctions.TagResource", b"{}") == (
        400,
        {
            "__type": "UnknownOperationException",
            "message": "unknown operation 'AWSStepFunctions.TagResource'",
        },
    )
    status, error = _post(server, "AWSStepFunctions.ListStateMachines", b"{not json")
    assert (status, error["__type"]) == (400, "SerializationException")
    status, error = _post(server, "AWSStepFunctions.DescribeExecution", b'{"executionArn": 7}')
    assert (status, error["__type"]) == (400, "SerializationException")
    status, error = _post(server, "AWSStepFunctions.StartExecution", b"{}")
    assert (status, error["__type"]) == (400, "ValidationException")
    assert "stateMachineArn" in error["message"]
    listed = _post(
        server,
        "AWSStepFunctions.ListStateMachines",
        b"{}",
        Host=f"sync-states.localhost:{server.port}",
    )
    assert listed == (200, {"stateMachines": []})


def test_eventbridge_is_served_on_the_same_port(server: BackgroundServer) -> None:
    events = _client(server, "events")
    assert events.list_rules(EventBusName="ordermesh")["Rules"] == []
    assert _code(lambda: events.describe_rule(Name="nope", EventBusName="ordermesh")) == (
        "ResourceNotFoundException"
    )
