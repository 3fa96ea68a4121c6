"""In-process clients (``runtime.clients``): boto3's method names and request shapes call the
wire operations of the runtime's bus, Step Functions service and SNS topics directly (no HTTP);
their errors are botocore ``ClientError``s with AWS's code and message, so boto3 adapters (the
saga's ``StepFunctionsSagas``) work over them unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from ordermesh_platform.runtime.awsjson import JSON_1_1, JsonService
from ordermesh_platform.runtime.bus import LocalEventBus, Rule, Target
from ordermesh_platform.runtime.clients import InProcessClients, operation_name
from ordermesh_platform.runtime.functions import Functions
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.runtime.sfn_wire import sfn_service
from ordermesh_platform.runtime.sinks import QueueSink
from ordermesh_platform.runtime.sns_wire import sns_service
from ordermesh_platform.runtime.topics import Topics
from ordermesh_platform.runtime.wire import events_service
from ordermesh_platform.saga.engine import StepFunctionsSagas
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.shared.aws import queue_arn
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store
from tests.sfn.machines import APPROVAL, GREET, Recorder, text

ROLE = "arn:aws:iam::000000000000:role/states"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def bus(store: Store, clock: ManualClock, queues: Queues) -> LocalEventBus:
    bus = LocalEventBus(store, clock, sinks={"queue": QueueSink(queues)})
    queues.create("q")
    bus.put_rule(
        Rule("orders", json.dumps({"source": ["ordermesh.order"]}), (Target("t", "queue", "q"),))
    )
    return bus


@pytest.fixture
def sfn(store: Store, clock: ManualClock, recorder: Recorder) -> StepFunctions:
    return StepFunctions(store, clock, recorder)


@pytest.fixture
def topics(store: Store, clock: ManualClock, queues: Queues, functions: Functions) -> Topics:
    queues.create("on-call")
    return Topics(store, clock, queues, functions)


@pytest.fixture
def clients(bus: LocalEventBus, sfn: StepFunctions, topics: Topics) -> InProcessClients:
    return InProcessClients(
        {
            "events": events_service(bus),
            "stepfunctions": sfn_service(sfn),
            "sns": sns_service(topics),
        }
    )


def _error(call: Any, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return error.value


@pytest.mark.parametrize(
    ("method", "operation"),
    [
        ("put_events", "PutEvents"),
        ("send_task_success", "SendTaskSuccess"),
        ("list_targets_by_rule", "ListTargetsByRule"),
        ("describe_execution", "DescribeExecution"),
    ],
)
def test_method_names_become_operation_names(method: str, operation: str) -> None:
    assert operation_name(method) == operation


def test_put_events_runs_the_wire_operation_and_returns_its_body(
    clients: InProcessClients, queues: Queues
) -> None:
    response = clients("events").put_events(
        Entries=[
            {
                "Source": "ordermesh.order",
                "DetailType": "Thing",
                "Detail": '{"a": 1}',
                "EventBusName": "ordermesh",
            },
            {"Source": "s", "DetailType": "Thing", "Detail": "nope", "EventBusName": "ordermesh"},
        ]
    )
    assert response["FailedEntryCount"] == 1
    assert response["Entries"][1]["ErrorCode"] == "MalformedDetail"
    [message] = queues.receive("q")
    event = json.loads(message.body)
    assert (event["id"], event["detail"]) == (response["Entries"][0]["EventId"], {"a": 1})


def test_keyword_arguments_are_the_request_body(clients: InProcessClients) -> None:
    rules = clients("events").list_rules(EventBusName="ordermesh", NamePrefix="ord")["Rules"]
    assert [(r["Name"], r["EventBusName"]) for r in rules] == [("orders", "ordermesh")]
    assert clients("events").list_rules(EventBusName="ordermesh", NamePrefix="x") == {"Rules": []}


def test_a_request_the_wire_rejects_is_a_client_error_with_its_code(
    clients: InProcessClients,
) -> None:
    error = _error(clients("events").put_events)
    assert error.response["Error"]["Code"] == "ValidationException"
    assert "Value null at 'entries'" in error.response["Error"]["Message"]
    assert error.operation_name == "PutEvents"


def test_an_error_of_the_service_is_a_client_error_with_its_code_and_message(
    clients: InProcessClients,
) -> None:
    error = _error(clients("events").describe_rule, Name="nope", EventBusName="ordermesh")
    assert error.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": "Rule nope does not exist on EventBus ordermesh.",
    }
    assert error.operation_name == "DescribeRule"
    assert "ResourceNotFoundException" in str(error)


def test_step_functions_answers_with_wire_json_where_dates_are_numbers(
    clients: InProcessClients, sfn: StepFunctions, clock: ManualClock
) -> None:
    client = clients("stepfunctions")
    machine = client.create_state_machine(name="greet", definition=text(GREET), roleArn=ROLE)
    arn = machine["stateMachineArn"]
    assert arn == "arn:aws:states:us-east-1:000000000000:stateMachine:greet"
    started = client.start_execution(stateMachineArn=arn, name="e1", input='{"who": "ann"}')
    assert started == {
        "executionArn": "arn:aws:states:us-east-1:000000000000:execution:greet:e1",
        "startDate": clock.now(),
    }
    assert isinstance(started["startDate"], float)
    sfn.run_until_idle()
    described = client.describe_execution(executionArn=started["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"greeting": "hello ann"}


def test_step_functions_errors_are_client_errors(clients: InProcessClients) -> None:
    client = clients("stepfunctions")
    arn = "arn:aws:states:us-east-1:000000000000:execution:greet:missing"
    error = _error(client.describe_execution, executionArn=arn)
    assert error.response["Error"]["Code"] == "ExecutionDoesNotExist"
    assert error.operation_name == "DescribeExecution"
    error = _error(client.send_task_success, taskToken="not-a-token", output="{}")
    assert error.response["Error"]["Code"] == "InvalidToken"


def test_the_saga_adapter_works_unchanged_over_the_in_process_client(
    clients: InProcessClients, sfn: StepFunctions, recorder: Recorder
) -> None:
    client = clients("stepfunctions")
    machine = client.create_state_machine(name="saga", definition=text(APPROVAL), roleArn=ROLE)
    sagas = StepFunctionsSagas(client, machine["stateMachineArn"])
    started = sagas.start("ord_01JD7Q4K2M9T", {"order": "o-1"})
    assert started.created
    assert started.execution_arn == sagas.execution_arn("ord_01JD7Q4K2M9T")
    sfn.run_until_idle()
    [token] = recorder.tokens
    assert sagas.succeed(token, {"approved": True}) is True
    sfn.run_until_idle()
    assert sagas.describe("ord_01JD7Q4K2M9T")["status"] == "SUCCEEDED"
    assert sagas.succeed(token, {"approved": True}) is False, "TaskDoesNotExist: stale"
    assert sagas.fail("x" * 64, "E", "c") is False
    assert sagas.start("ord_01JD7Q4K2M9T", {"order": "o-2"}).created is False


def test_an_operation_the_service_lacks_is_an_attribute_error(clients: InProcessClients) -> None:
    with pytest.raises(AttributeError, match="the local runtime's events client has no put_rule"):
        _ = clients("events").put_rule


def test_private_names_are_not_operations(clients: InProcessClients) -> None:
    with pytest.raises(AttributeError, match="has no _put_events"):
        _ = clients("events")._put_events


def test_the_same_client_is_returned_for_a_service(clients: InProcessClients) -> None:
    assert clients("events") is clients("events")
    assert clients("events").service_name == "events"
    assert clients("stepfunctions").service_name == "stepfunctions"


def test_a_service_the_runtime_does_not_speak_is_a_value_error(clients: InProcessClients) -> None:
    with pytest.raises(ValueError, match=r"no 's3' API \(it has events, sns, stepfunctions\)"):
        clients("s3")


def test_services_other_than_events_and_step_functions_are_left_out() -> None:
    sqs = JsonService("AmazonSQS", JSON_1_1, {"ListQueues": lambda _t, _b: {}}, object())
    clients = InProcessClients({"sqs": sqs})
    with pytest.raises(ValueError, match=r"no 'sqs' API \(it has \)"):
        clients("sqs")


# --- SNS -------------------------------------------------------------------------------------


def test_an_sns_publish_reaches_the_local_topics_subscribers(
    clients: InProcessClients, queues: Queues
) -> None:
    # Given a topic with a queue subscribed, made through the in-process client
    sns = clients("sns")
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("on-call"))
    # When a handler publishes as it would with boto3 (a Binary attribute given as bytes)
    attributes = {
        "severity": {"DataType": "String", "StringValue": "CRITICAL"},
        "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    }
    published = sns.publish(TopicArn=arn, Message="outage", MessageAttributes=attributes)
    # Then the queue has SNS's envelope with that message id and the attributes
    [message] = queues.receive("on-call")
    envelope = json.loads(message.body)
    assert (envelope["MessageId"], envelope["Message"]) == (published["MessageId"], "outage")
    assert envelope["MessageAttributes"]["raw"] == {"Type": "Binary", "Value": "AAE="}
    # And an operation without a result answers an empty dict, as boto3's would (less metadata)
    assert sns.delete_topic(TopicArn=arn) == {}


def test_sns_errors_are_client_errors_and_bad_arguments_botocores(
    clients: InProcessClients,
) -> None:
    sns = clients("sns")
    missing = "arn:aws:sns:us-east-1:000000000000:missing"
    error = _error(sns.publish, TopicArn=missing, Message="x")
    assert error.response["Error"]["Code"] == "NotFound"
    assert error.operation_name == "Publish"
    # arguments boto3 would refuse before sending are refused the same way
    with pytest.raises(ParamValidationError, match=r"Missing required parameter.*Message"):
        sns.publish(TopicArn=missing)
    with pytest.raises(ParamValidationError, match=r"Unknown parameter.*Colour"):
        sns.list_topics(Colour="red")
    with pytest.raises(AttributeError, match="the local runtime's sns client has no get_sms"):
        _ = sns.get_sms_attributes


def test_the_runtimes_handlers_get_an_sns_client(tmp_path: Path) -> None:
    runtime = LocalRuntime(RuntimeOptions(state_dir=tmp_path / "state", validate_contracts=False))
    try:
        sns = runtime.environment.client("sns")
        arn = sns.create_topic(Name="ordermesh-alerts")["TopicArn"]
        sns.publish(TopicArn=arn, Message="in process")
        assert [m.message for m in runtime.topics.messages("ordermesh-alerts")] == ["in process"]
    finally:
        runtime.close()
