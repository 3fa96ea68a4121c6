"""SNS topics on the runtime: Publish and PublishBatch with SNS's limits, subscriptions to
queues (envelope or raw) and functions (``Records[].Sns``) behind filter policies, deliveries
in the publish's transaction, the bus's ``topic`` target, and topics wired from manifests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import SnsModel, SnsNotificationModel
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.manifest import ServiceManifest, load_manifest
from ordermesh_platform.runtime.bus import entry_from_event
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.runtime.topics import TopicError, Topics, topic_arn
from ordermesh_platform.runtime.wiring import WiringError, wire
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store
from tests.corpus import PROJECT_ROOT


@pytest.fixture
def topics(store: Store, clock: ManualClock) -> Topics:
    queues = Queues(store, clock)
    functions = Functions(store, clock, queues)
    for name in ("all", "raw", "gold"):
        queues.create(name)
    functions.register("log", FunctionSettings(handler="x:y"), lambda _e, _c: None)
    found = Topics(store, clock, queues, functions)
    found.create_topic("orders")
    return found


def _body(topics: Topics, queue: str) -> list[str]:
    return [m.body for m in topics.queues.receive(queue, 10)]


def test_a_message_reaches_each_subscriber_whose_policy_accepts_it(topics: Topics) -> None:
    # Given an envelope queue, a raw queue, a filtered queue and a function
    subscription = topics.subscribe("orders", "sqs", "all")
    topics.subscribe("orders", "sqs", "raw", raw_message_delivery=True)
    topics.subscribe("orders", "sqs", "gold", filter_policy={"tier": ["gold"]})
    topics.subscribe("orders", "lambda", "log")
    attributes = {"tier": {"DataType": "String", "StringValue": "silver"}}
    # When a silver message is published
    message_id = topics.publish(
        topic_arn("orders"), "hello", subject="Hi", message_attributes=attributes
    )
    # Then the envelope queue has SNS's notification, as powertools reads it
    [envelope] = _body(topics, "all")
    notification = json.loads(envelope)
    assert notification["Type"] == "Notification"
    assert notification["MessageId"] == message_id
    assert notification["TopicArn"] == topic_arn("orders")
    assert (notification["Subject"], notification["Message"]) == ("Hi", "hello")
    assert notification["MessageAttributes"] == {"tier": {"Type": "String", "Value": "silver"}}
    assert notification["UnsubscribeURL"].endswith(subscription)
    assert notification["Timestamp"].endswith("Z")
    parsed = SnsNotificationModel.model_validate_json(envelope)  # the SQS-shaped envelope
    assert (parsed.Message, str(parsed.UnsubscribeUrl).endswith(subscription)) == ("hello", True)
    # and the raw queue the message itself with its attributes
    [raw] = topics.queues.receive("raw", 10)
    assert (raw.body, raw.message_attributes) == ("hello", attributes)
    # and the gold queue nothing
    assert _body(topics, "gold") == []
    # and the function one Records[].Sns event that powertools parses
    [invocation] = topics.functions.pending("log")
    record = parse(event=invocation.payload, model=SnsModel).Records[0].Sns
    assert (record.Message, record.Subject, record.MessageId) == ("hello", "Hi", message_id)
    [logged] = topics.messages("orders")
    assert (logged.message_id, logged.deliveries) == (message_id, 3)


def test_body_scope_policies_read_the_message_json(topics: Topics) -> None:
    policy = {"detail": {"data": {"severity": ["CRITICAL"]}}}
    topics.subscribe(
        "orders", "sqs", "gold", filter_policy=policy, filter_policy_scope="MessageBody"
    )
    topics.publish("orders", json.dumps({"detail": {"data": {"severity": "INFO"}}}))
    critical = json.dumps({"detail": {"data": {"severity": "CRITICAL"}}})
    topics.publish("orders", critical)
    [only] = _body(topics, "gold")
    assert json.loads(only)["Message"] == critical


def test_a_failed_transaction_keeps_neither_the_message_nor_its_deliveries(
    topics: Topics,
) -> None:
    topics.subscribe("orders", "sqs", "all")

    def publish_then_fail() -> None:
        with topics.store.write() as conn:
            topics.publish("orders", "lost together", conn=conn)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        publish_then_fail()
    assert topics.messages("orders") == []
    assert _body(topics, "all") == []


@pytest.mark.parametrize(
    ("call", "code"),
    [
        ({"message": ""}, "InvalidParameter"),
        ({"message": "x" * 262_145}, "InvalidParameter"),
        ({"message": "x", "subject": "two\nlines"}, "InvalidParameter"),
        ({"message": "x", "message_structure": "json"}, "InvalidParameter"),
        (
            {"message": "x", "message_attributes": {"a": {"DataType": "Date", "StringValue": "1"}}},
            "ParameterValueInvalid",
        ),
        (
            {
                "message": "x",
                "message_attributes": {"a": {"DataType": "Number", "StringValue": "x"}},
            },
            "ParameterValueInvalid",
        ),
        (
            {
                "message": "x",
                "message_attributes": {"AWS.a": {"DataType": "String", "StringValue": "1"}},
            },
            "ParameterValueInvalid",
        ),
    ],
)
def test_publish_rejects_what_sns_rejects(topics: Topics, call: dict[str, Any], code: str) -> None:
    message = call.pop("message")
    with pytest.raises(TopicError) as error:
        topics.publish("orders", message, **call)
    assert error.value.code == code
    assert topics.messages("orders") == []


def test_publish_to_an_unknown_topic_is_not_found(topics: Topics) -> None:
    with pytest.raises(TopicError) as error:
        topics.publish("nope", "x")
    assert error.value.code == "NotFound"


def test_publish_batch_reports_each_entry_and_checks_the_request(topics: Topics) -> None:
    topics.subscribe("orders", "sqs", "all")
    result = topics.publish_batch(
        "orders", [{"Id": "ok", "Message": "a"}, {"Id": "empty", "Message": ""}]
    )
    assert [entry["Id"] for entry in result["Successful"]] == ["ok"]
    [failed] = result["Failed"]
    assert (failed["Id"], failed["Code"], failed["SenderFault"]) == (
        "empty",
        "InvalidParameter",
        True,
    )
    assert len(_body(topics, "all")) == 1
    for entries, code in [
        ([], "EmptyBatchRequest"),
        ([{"Id": str(i), "Message": "m"} for i in range(11)], "TooManyEntriesInBatchRequest"),
        ([{"Id": "a", "Message": "m"}, {"Id": "a", "Message": "n"}], "BatchEntryIdsNotDistinct"),
        ([{"Id": "a b", "Message": "m"}], "InvalidBatchEntryId"),
        ([{"Id": str(i), "Message": "x" * 30_000} for i in range(9)], "BatchRequestTooLong"),
    ]:
        with pytest.raises(TopicError) as error:
            topics.publish_batch("orders", entries)
        assert error.value.code == code


def test_subscribe_checks_its_filter_policy_and_endpoint(topics: Topics) -> None:
    with pytest.raises(TopicError) as error:
        topics.subscribe("orders", "sqs", "all", filter_policy={"a": []})
    assert error.value.message == (
        "Invalid parameter: Attributes Reason: FilterPolicy: Empty arrays are not allowed"
    )
    with pytest.raises(TopicError):
        topics.subscribe("orders", "sqs", "no-such-queue")
    with pytest.raises(TopicError):
        topics.subscribe("orders", "lambda", "log", raw_message_delivery=True)
    arn = topics.subscribe("orders", "sqs", "gold")
    with pytest.raises(TopicError) as error:
        topics.set_subscription_attribute(arn, "FilterPolicyScope", "Body")
    assert "FilterPolicyScope: Invalid value [Body]" in error.value.message
    topics.set_subscription_attribute(arn, "FilterPolicy", '{"tier": ["gold"]}')
    topics.publish("orders", "silver")
    assert _body(topics, "gold") == []


# --- the runtime: manifests, the bus's topic target -----------------------------------------


def _platform_alerts() -> ServiceManifest:
    platform = load_manifest(PROJECT_ROOT / "platform" / "platform.toml")
    subscriptions = [s for s in platform.subscriptions if s.name == "anomaly-alerts"]
    return platform.model_copy(
        update={
            "rules": [],
            "subscriptions": subscriptions,
            "state_machines": [],
            "http": None,
            "streams": [],
            "lake": None,
        }
    )


def test_anomalies_reach_the_alert_topic_and_critical_ones_the_oncall_queue(
    tmp_path: Path,
) -> None:
    runtime = LocalRuntime(RuntimeOptions(state_dir=tmp_path), clock=ManualClock())
    runtime.apply(runtime.wiring([_platform_alerts()], load_catalog()))
    logged: list[dict[str, Any]] = []
    runtime.functions.register(
        "platform-ordermesh-alerts-log",
        FunctionSettings(handler="x:y"),
        lambda e, _c: logged.append(e),
    )
    try:
        [(_, example)] = load_catalog().find("AnomalyDetected@1").load_examples()[:1]
        for severity in ("WARNING", "CRITICAL"):
            event = json.loads(json.dumps(example))
            event["detail"]["data"]["severity"] = severity
            [outcome] = runtime.bus.put_events([entry_from_event(event)]).entries
            assert outcome.event_id, outcome
        runtime.run_until_idle()
        [oncall] = runtime.queues.receive("platform-ordermesh-alerts-oncall", 10)
        message = json.loads(json.loads(oncall.body)["Message"])
        assert message["detail-type"] == "AnomalyDetected"
        assert message["detail"]["data"]["severity"] == "CRITICAL"
        assert len(logged) == 2
        assert [m.deliveries for m in runtime.topics.messages("ordermesh-alerts")] == [1, 2]
    finally:
        runtime.close()


def test_a_bad_filter_policy_in_a_manifest_names_the_field() -> None:
    manifest = ServiceManifest.model_validate(
        {
            "service": {"name": "probe", "source": "ordermesh.probe"},
            "topics": [
                {
                    "name": "t",
                    "subscriptions": [
                        {"name": "ok", "protocol": "sqs"},
                        {
                            "name": "bad",
                            "protocol": "sqs",
                            "filter_policy": {"severity": [{"numeric": [">", "high"]}]},
                        },
                    ],
                }
            ],
        }
    )
    with pytest.raises(WiringError) as error:
        wire([manifest], load_catalog())
    assert error.value.where == "probe#/topics/0/subscriptions/1/filter_policy"
    assert error.value.reason == (
        "not a valid SNS filter policy at severity[0].numeric: Value of > must be numeric"
    )


def test_a_rule_to_an_undeclared_topic_names_the_target() -> None:
    manifest = ServiceManifest.model_validate(
        {
            "service": {"name": "probe", "source": "ordermesh.probe"},
            "rules": [
                {
                    "name": "r",
                    "pattern": {"source": ["x"]},
                    "target": {"kind": "topic", "name": "t"},
                }
            ],
        }
    )
    with pytest.raises(WiringError) as error:
        wire([manifest], load_catalog())
    assert error.value.where == "probe#/rules/0/target/name"
