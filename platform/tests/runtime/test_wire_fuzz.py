"""The local EventBridge and Step Functions JSON endpoints under generated requests: malformed
JSON, wrong types, missing members, unknown targets and oversized payloads get AWS's error shape
(HTTP 400, ``{"__type": code, "message": text}`` in the service's content type), never a 500.
A hypothesis fuzz test (fixed seed) and the explicit cases it found."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ordermesh_platform.runtime.bus import LocalEventBus
from ordermesh_platform.runtime.server import BackgroundServer
from ordermesh_platform.runtime.sfn_wire import OPERATIONS as SFN_OPERATIONS
from ordermesh_platform.runtime.wire import OPERATIONS as EVENTS_OPERATIONS
from ordermesh_platform.runtime.wire import aws_app
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store
from tests.sfn.machines import Recorder

CONTENT_TYPES = {
    "AWSEvents": "application/x-amz-json-1.1",
    "AWSStepFunctions": "application/x-amz-json-1.0",
}
TARGETS = [f"AWSEvents.{o}" for o in EVENTS_OPERATIONS] + [
    f"AWSStepFunctions.{o}" for o in SFN_OPERATIONS
]
MEMBERS = [
    "Entries", "EventPattern", "Event", "EventBusName", "NamePrefix", "Limit", "NextToken",
    "Name", "Rule", "name", "definition", "roleArn", "type", "stateMachineArn", "executionArn",
    "input", "maxResults", "nextToken", "statusFilter", "includedData", "reverseOrder",
    "includeExecutionData", "taskToken", "output", "error", "cause", "clientToken",
]  # fmt: skip


@pytest.fixture
def server(store: Store, clock: ManualClock) -> Iterator[BackgroundServer]:
    sfn = StepFunctions(store, clock, Recorder())
    with BackgroundServer(aws_app(LocalEventBus(store, clock), sfn)) as running:
        yield running


def _call(server: BackgroundServer, target: str, body: bytes) -> tuple[int, str, Any]:
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        prefix = target.partition(".")[0]
        content_type = CONTENT_TYPES.get(prefix, "application/x-amz-json-1.1")
        headers = {"X-Amz-Target": target, "Content-Type": content_type}
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("content-type", ""), json.loads(response.read())
    finally:
        connection.close()


def _assert_aws_answer(status: int, content_type: str, answer: Any, target: str) -> None:
    assert status in (200, 400), (status, answer)
    expected = CONTENT_TYPES.get(target.partition(".")[0])
    if expected is not None:
        assert content_type == expected
    if status == 400:
        assert isinstance(answer, dict)
        assert set(answer) == {"__type", "message"}, answer
        assert isinstance(answer["__type"], str)
        assert isinstance(answer["message"], str)
        assert answer["__type"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
BODIES = (
    st.dictionaries(st.sampled_from(MEMBERS), JSON, max_size=5).map(
        lambda b: json.dumps(b).encode()
    )
    | JSON.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=40)
)


@settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(target=st.sampled_from([*TARGETS, "AWSEvents.Nope", "Nope.PutEvents", ""]), body=BODIES)
def test_no_request_gets_a_500(server: BackgroundServer, target: str, body: bytes) -> None:
    status, content_type, answer = _call(server, target, body)
    _assert_aws_answer(status, content_type, answer, target)


CASES = [
    ("AWSEvents.ListRules", {"Limit": "abc"}),
    ("AWSEvents.ListRules", {"Limit": [1]}),
    ("AWSEvents.ListRules", {"NextToken": "abc"}),
    ("AWSEvents.ListRules", {"NamePrefix": 5}),
    ("AWSEvents.DescribeRule", {}),
    ("AWSEvents.DescribeRule", {"Name": "nope"}),
    ("AWSEvents.ListTargetsByRule", {"Rule": ["x"]}),
    ("AWSEvents.PutEvents", {"Entries": [1, "x", None]}),
    ("AWSEvents.PutEvents", {"Entries": [{}] * 11}),
    ("AWSEvents.PutEvents", {"Entries": [{"Source": "s", "DetailType": "d", "Detail": "{}"}] * 0}),
    ("AWSEvents.TestEventPattern", {"EventPattern": "{", "Event": "{}"}),
    ("AWSEvents.TestEventPattern", {"EventPattern": "{}", "Event": "[]"}),
    ("AWSEvents.PutEvents", "[]"),
    ("AWSStepFunctions.ListExecutions", {"stateMachineArn": "arn:nope", "maxResults": "x"}),
    ("AWSStepFunctions.ListExecutions", {"stateMachineArn": "x", "nextToken": "abc"}),
    ("AWSStepFunctions.StartExecution", {"stateMachineArn": "arn:aws:states:x", "input": "{"}),
    ("AWSStepFunctions.CreateStateMachine", {"name": "m", "definition": "{", "roleArn": "r"}),
    ("AWSStepFunctions.CreateStateMachine", {"name": "m", "definition": "[]", "roleArn": "r"}),
    ("AWSStepFunctions.SendTaskSuccess", {"taskToken": "t", "output": "{"}),
    ("AWSStepFunctions.DescribeExecution", {"executionArn": 5}),
    ("AWSStepFunctions.GetExecutionHistory", {"executionArn": "x", "maxResults": -1}),
]


@pytest.mark.parametrize(
    ("target", "body"), CASES, ids=[f"{t}-{i}" for i, (t, _) in enumerate(CASES)]
)
def test_a_bad_request_gets_an_aws_error(server: BackgroundServer, target: str, body: Any) -> None:
    status, content_type, answer = _call(server, target, json.dumps(body).encode())
    _assert_aws_answer(status, content_type, answer, target)
    assert status == 400


def test_an_entry_that_is_not_an_object_is_a_serialization_exception(
    server: BackgroundServer,
) -> None:
    # found by fuzzing: the bus read each entry with .get (a 500 InternalFailure)
    body = json.dumps({"Entries": [{"Source": "s"}, 1]}).encode()
    status, _, answer = _call(server, "AWSEvents.PutEvents", body)
    assert (status, answer["__type"]) == (400, "SerializationException")
    assert "Entries[1]" in answer["message"]


def test_an_oversized_put_events_is_a_validation_exception(server: BackgroundServer) -> None:
    entry = {"Source": "s", "DetailType": "d", "Detail": json.dumps({"x": "y" * 200_000})}
    body = json.dumps({"Entries": [entry, entry]}).encode()
    status, _, answer = _call(server, "AWSEvents.PutEvents", body)
    assert (status, answer) == (
        400,
        {
            "__type": "ValidationException",
            "message": "Total size of the entries in the request is over the limit.",
        },
    )


def test_an_unknown_target_is_an_unknown_operation(server: BackgroundServer) -> None:
    status, _, answer = _call(server, "AWSEvents.Nope", b"{}")
    assert (status, answer["__type"]) == (400, "UnknownOperationException")


def test_malformed_json_is_a_serialization_exception(server: BackgroundServer) -> None:
    status, _, answer = _call(server, "AWSStepFunctions.ListStateMachines", b'{"a":')
    assert (status, answer["__type"]) == (400, "SerializationException")
