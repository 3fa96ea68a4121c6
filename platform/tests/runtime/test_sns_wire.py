"""boto3's SNS client against the runtime's SNS endpoint (AWS's query protocol) on loopback:
topics, subscriptions and publishing reach the local topics, and every error comes back as SNS
sends it (an XML ErrorResponse with SNS's code and HTTP status), never a 500."""

from __future__ import annotations

import http.client
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.runtime.server import BackgroundServer
from ordermesh_platform.runtime.topics import Topics
from ordermesh_platform.shared.aws import function_arn, queue_arn
from tests.runtime.sns_endpoint import aws_client

NS = "{http://sns.amazonaws.com/doc/2010-03-31/}"
CRITICAL = {"severity": {"DataType": "String", "StringValue": "CRITICAL"}}
WARNING = {"severity": {"DataType": "String", "StringValue": "WARNING"}}


def _bodies(queues: Queues, queue: str) -> list[str]:
    return [message.body for message in queues.receive(queue, 10)]


def _code(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = error.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# --- publishing ------------------------------------------------------------------------------


def test_a_published_message_reaches_a_subscribed_queue(sns: Any, queues: Queues) -> None:
    # Given a topic with a queue subscribed by its ARN
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    subscription = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("alerts"))
    # When a message with a subject and String, Number and Binary attributes is published
    attributes = {
        **CRITICAL,
        "score": {"DataType": "Number", "StringValue": "9.5"},
        "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    }
    published = sns.publish(
        TopicArn=arn, Message="payment outage", Subject="Alert", MessageAttributes=attributes
    )
    # Then the queue holds SNS's envelope with that message id, subject and attributes
    [body] = _bodies(queues, "alerts")
    envelope = json.loads(body)
    assert envelope["MessageId"] == published["MessageId"]
    assert (envelope["TopicArn"], envelope["Subject"]) == (arn, "Alert")
    assert envelope["Message"] == "payment outage"
    assert envelope["UnsubscribeURL"].endswith(subscription["SubscriptionArn"])
    assert envelope["MessageAttributes"] == {
        "severity": {"Type": "String", "Value": "CRITICAL"},
        "score": {"Type": "Number", "Value": "9.5"},
        "raw": {"Type": "Binary", "Value": "AAE="},
    }


def test_raw_message_delivery_and_target_arn(sns: Any, queues: Queues) -> None:
    # Given a queue subscribed with RawMessageDelivery
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    attributes = {"RawMessageDelivery": "true"}
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("alerts"), Attributes=attributes)
    # When a message is published by TargetArn, with a per-protocol body
    message = json.dumps({"default": "plain", "sqs": "for queues"})
    sns.publish(TargetArn=arn, Message=message, MessageStructure="json", MessageAttributes=WARNING)
    # Then the queue gets the sqs body itself, its attributes as message attributes
    [received] = queues.receive("alerts", 10)
    assert received.body == "for queues"
    assert received.message_attributes == {
        "severity": {"DataType": "String", "StringValue": "WARNING"}
    }


def test_a_filter_policy_drops_what_it_does_not_accept(sns: Any, queues: Queues) -> None:
    # Given the on-call queue subscribed for CRITICAL alerts only
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    policy = json.dumps({"severity": ["CRITICAL"]})
    sns.subscribe(
        TopicArn=arn,
        Protocol="sqs",
        Endpoint=queue_arn("on-call"),
        Attributes={"FilterPolicy": policy, "FilterPolicyScope": "MessageAttributes"},
    )
    # When a WARNING and a CRITICAL alert are published
    sns.publish(TopicArn=arn, Message="warning", MessageAttributes=WARNING)
    sns.publish(TopicArn=arn, Message="critical", MessageAttributes=CRITICAL)
    # Then only the CRITICAL one arrives
    assert [json.loads(b)["Message"] for b in _bodies(queues, "on-call")] == ["critical"]


def test_set_subscription_attributes_changes_the_policy(sns: Any, queues: Queues) -> None:
    # Given a subscription whose policy is then moved to the message body
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    subscription = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("on-call"))
    sub_arn = subscription["SubscriptionArn"]
    sns.set_subscription_attributes(
        SubscriptionArn=sub_arn, AttributeName="FilterPolicyScope", AttributeValue="MessageBody"
    )
    sns.set_subscription_attributes(
        SubscriptionArn=sub_arn,
        AttributeName="FilterPolicy",
        AttributeValue=json.dumps({"metric": ["payment_decline_rate"]}),
    )
    # When two bodies are published
    sns.publish(TopicArn=arn, Message=json.dumps({"metric": "orders_per_minute"}))
    sns.publish(TopicArn=arn, Message=json.dumps({"metric": "payment_decline_rate"}))
    # Then only the matching body is delivered
    [body] = _bodies(queues, "on-call")
    assert json.loads(json.loads(body)["Message"]) == {"metric": "payment_decline_rate"}


def test_publish_batch_reports_a_failing_entry_in_failed(sns: Any, queues: Queues) -> None:
    # Given a topic with a queue
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("alerts"))
    # When a batch has two good entries and one with an attribute of an unknown type
    bad = {"severity": {"DataType": "Colour", "StringValue": "red"}}
    response = sns.publish_batch(
        TopicArn=arn,
        PublishBatchRequestEntries=[
            {"Id": "a", "Message": "one", "MessageAttributes": CRITICAL},
            {"Id": "b", "Message": "two", "MessageAttributes": bad},
            {"Id": "c", "Message": "three", "Subject": "Third"},
        ],
    )
    # Then the good ones are published and the bad one is reported with SNS's code
    assert [entry["Id"] for entry in response["Successful"]] == ["a", "c"]
    [failed] = response["Failed"]
    assert (failed["Id"], failed["Code"], failed["SenderFault"]) == (
        "b",
        "ParameterValueInvalid",
        True,
    )
    assert "invalid message attribute type" in failed["Message"]
    assert [json.loads(b)["Message"] for b in _bodies(queues, "alerts")] == ["one", "three"]


def test_publish_batch_request_errors(sns: Any) -> None:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    twice = [{"Id": "a", "Message": "x"}, {"Id": "a", "Message": "y"}]
    too_many = [{"Id": f"e{i}", "Message": "x"} for i in range(11)]
    cases = [
        (twice, "BatchEntryIdsNotDistinct"),
        (too_many, "TooManyEntriesInBatchRequest"),
        ([], "EmptyBatchRequest"),
        ([{"Id": "not ok!", "Message": "x"}], "InvalidBatchEntryId"),
    ]
    for entries, code in cases:
        with pytest.raises(ClientError) as error:
            sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=entries)
        assert _code(error) == (code, 400)


# --- topics and subscriptions ----------------------------------------------------------------


def test_topics_and_subscriptions_are_listed_and_unsubscribed(sns: Any, topics: Topics) -> None:
    # Given two topics (CreateTopic is idempotent) and two subscriptions on one
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    assert sns.create_topic(Name="alerts", Attributes={"DisplayName": "Alerts"})["TopicArn"] == arn
    other = sns.create_topic(Name="audit")["TopicArn"]
    queue = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("alerts"))
    function = sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=function_arn("log"))
    # Then both are listed, with their endpoints as ARNs
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert {(s["Protocol"], s["Endpoint"], s["TopicArn"]) for s in listed} == {
        ("sqs", queue_arn("alerts"), arn),
        ("lambda", function_arn("log"), arn),
    }
    assert {s["Owner"] for s in listed} == {"000000000000"}
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [arn, other]
    # When the queue's subscription is removed
    sns.unsubscribe(SubscriptionArn=queue["SubscriptionArn"])
    # Then only the function's is left
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == [function["SubscriptionArn"]]
    assert [s.protocol for s in topics.subscriptions("alerts")] == ["lambda"]


def test_subscribing_again_returns_the_same_subscription(sns: Any) -> None:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    first = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("alerts"))
    again = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("alerts"))
    assert again["SubscriptionArn"] == first["SubscriptionArn"]
    assert len(sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]) == 1
    with pytest.raises(ClientError) as error:
        sns.subscribe(
            TopicArn=arn,
            Protocol="sqs",
            Endpoint=queue_arn("alerts"),
            Attributes={"RawMessageDelivery": "true"},
        )
    assert _code(error) == ("InvalidParameter", 400)
    assert "already exists with different attributes" in error.value.response["Error"]["Message"]


def test_listings_are_paged(sns: Any) -> None:
    arns = [sns.create_topic(Name=f"t{i:03d}")["TopicArn"] for i in range(105)]
    first = sns.list_topics()
    assert len(first["Topics"]) == 100
    rest = sns.list_topics(NextToken=first["NextToken"])
    assert "NextToken" not in rest
    assert [t["TopicArn"] for t in first["Topics"] + rest["Topics"]] == arns
    paged = sns.get_paginator("list_topics").paginate()
    assert sum(len(page["Topics"]) for page in paged) == 105
    with pytest.raises(ClientError) as error:
        sns.list_topics(NextToken="nope")
    assert _code(error) == ("InvalidParameter", 400)


# --- errors ----------------------------------------------------------------------------------


def _error(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    code, status = _code(error)
    return code, status, error.value.response["Error"]["Message"]


def test_sns_errors_have_snss_codes_and_statuses(sns: Any) -> None:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    missing = arn.replace("alerts", "missing")
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("alerts"))
    cases: list[tuple[Any, dict[str, Any], str, int, str]] = [
        (sns.publish, {"TopicArn": missing, "Message": "x"}, "NotFound", 404,
         "Topic does not exist"),
        (sns.publish, {"TopicArn": "arn:aws:sns:eu-west-1:123456789012:alerts", "Message": "x"},
         "NotFound", 404, "Topic does not exist"),
        (sns.publish, {"TopicArn": "arn:aws:sqs:us-east-1:000000000000:alerts", "Message": "x"},
         "InvalidParameter", 400, "is not an SNS ARN"),
        (sns.publish, {"TopicArn": "fake_topic", "Message": "x"}, "InvalidParameter", 400,
         "Invalid parameter: TopicArn Reason: fake_topic does not start with arn"),
        (sns.publish, {"Message": "x"}, "InvalidParameter", 400, "TopicArn or TargetArn"),
        (sns.publish, {"TopicArn": arn, "TargetArn": arn, "Message": "x"}, "InvalidParameter", 400,
         "Only one of"),
        (sns.publish, {"PhoneNumber": "+15555550100", "Message": "x"}, "InvalidParameter", 400,
         "PhoneNumber"),
        (sns.publish, {"TopicArn": arn, "Message": ""}, "InvalidParameter", 400, "Empty message"),
        (sns.publish, {"TopicArn": arn, "Message": "x", "MessageGroupId": "g"}, "InvalidParameter",
         400, "MessageGroupId"),
        (sns.publish, {"TopicArn": arn, "Message": "x", "MessageAttributes": {
            "n": {"DataType": "Number", "StringValue": "many"}}}, "ParameterValueInvalid", 400,
         "Could not cast"),
        (sns.create_topic, {"Name": "bad name"}, "InvalidParameter", 400, "Topic Name"),
        (sns.create_topic, {"Name": "t", "Attributes": {"FifoTopic": "true"}}, "InvalidParameter",
         400, "FifoTopic"),
        (sns.create_topic, {"Name": "t", "Attributes": {"Colour": "red"}}, "InvalidParameter", 400,
         "Colour"),
        (sns.subscribe, {"TopicArn": arn, "Protocol": "email", "Endpoint": "a@b.c"},
         "InvalidParameter", 400, "Protocol"),
        (sns.subscribe, {"TopicArn": arn, "Protocol": "sqs"}, "InvalidParameter", 400, "Endpoint"),
        (sns.subscribe, {"TopicArn": arn, "Protocol": "sqs", "Endpoint": "alerts"},
         "InvalidParameter", 400, "SQS endpoint ARN"),
        (sns.subscribe, {"TopicArn": missing, "Protocol": "sqs", "Endpoint": queue_arn("alerts")},
         "NotFound", 404, "Topic does not exist"),
        (sns.subscribe, {"TopicArn": arn, "Protocol": "sqs", "Endpoint": queue_arn("alerts"),
                         "Attributes": {"FilterPolicy": '{"a": 1}'}}, "InvalidParameter", 400,
         "FilterPolicy"),
        (sns.subscribe, {"TopicArn": arn, "Protocol": "sqs", "Endpoint": queue_arn("on-call"),
                         "Attributes": {"RawMessageDelivery": "maybe"}}, "InvalidParameter", 400,
         "RawMessageDelivery"),
        (sns.subscribe, {"TopicArn": arn, "Protocol": "sqs", "Endpoint": queue_arn("on-call"),
                         "Attributes": {"Colour": "red"}}, "InvalidParameter", 400, "Colour"),
        (sns.subscribe, {"TopicArn": arn, "Protocol": "lambda", "Endpoint": function_arn("log"),
                         "Attributes": {"RawMessageDelivery": "true"}}, "InvalidParameter", 400,
         "RawMessageDelivery"),
        (sns.list_subscriptions_by_topic, {"TopicArn": missing}, "NotFound", 404, "Topic"),
        (sns.set_subscription_attributes, {"SubscriptionArn": f"{arn}:nope",
         "AttributeName": "RawMessageDelivery", "AttributeValue": "true"}, "NotFound", 404,
         "Subscription does not exist"),
        (sns.set_subscription_attributes, {"SubscriptionArn": sub["SubscriptionArn"],
         "AttributeName": "RawMessageDelivery", "AttributeValue": "yes"}, "InvalidParameter", 400,
         "RawMessageDelivery"),
        (sns.set_subscription_attributes, {"SubscriptionArn": sub["SubscriptionArn"],
         "AttributeName": "Colour", "AttributeValue": "red"}, "InvalidParameter", 400, "Colour"),
        (sns.unsubscribe, {"SubscriptionArn": "nope"}, "InvalidParameter", 400, "SubscriptionArn"),
    ]  # fmt: skip
    for call, kwargs, code, status, text in cases:
        got = _error(call, **kwargs)
        assert got[:2] == (code, status), (kwargs, got)
        assert text in got[2], (kwargs, got)


def test_a_lambda_subscription_cannot_be_made_raw_afterwards(sns: Any) -> None:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    sub = sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=function_arn("log"))
    code, status, message = _error(
        sns.set_subscription_attributes,
        SubscriptionArn=sub["SubscriptionArn"],
        AttributeName="RawMessageDelivery",
        AttributeValue="true",
    )
    assert (code, status) == ("InvalidParameter", 400)
    assert "Raw message delivery is available for SQS" in message


# --- the protocol itself ---------------------------------------------------------------------


def _post(server: BackgroundServer, body: bytes | str, **headers: str) -> tuple[int, str, bytes]:
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("content-type", ""), response.read()
    finally:
        connection.close()


def _xml_error(body: bytes) -> tuple[str, str, str]:
    root = ET.fromstring(body)  # noqa: S314 - our own server's answer
    assert root.tag == f"{NS}ErrorResponse"
    error = root.find(f"{NS}Error")
    assert error is not None
    assert root.findtext(f"{NS}RequestId")
    return (
        error.findtext(f"{NS}Type") or "",
        error.findtext(f"{NS}Code") or "",
        error.findtext(f"{NS}Message") or "",
    )


def test_a_publish_answer_is_snss_xml(server: BackgroundServer, topics: Topics) -> None:
    arn = topics.create_topic("alerts")
    form = {"Action": "Publish", "Version": "2010-03-31", "TopicArn": arn, "Message": "hi"}
    status, content_type, body = _post(server, urlencode(form))
    assert (status, content_type) == (200, "text/xml")
    root = ET.fromstring(body)  # noqa: S314
    assert root.tag == f"{NS}PublishResponse"
    assert root.findtext(f"{NS}PublishResult/{NS}MessageId") == topics.messages()[0].message_id
    assert root.findtext(f"{NS}ResponseMetadata/{NS}RequestId")


@pytest.mark.parametrize(
    ("form", "code", "text"),
    [
        ({"Action": "Dance", "Version": "2010-03-31"}, "InvalidAction",
         "Could not find operation Dance for version 2010-03-31"),
        ({"Action": "Publish", "Version": "1999-01-01", "Message": "x"}, "InvalidAction",
         "for version 1999-01-01"),
        ({"Version": "2010-03-31"}, "MissingAction", "Action"),
        ({"Action": "Publish", "TopicArn": "arn:aws:sns:us-east-1:000000000000:t"},
         "ValidationError",
         "Value null at 'message' failed to satisfy constraint: Member must not be null"),
        ({"Action": "Subscribe"}, "ValidationError", "2 validation errors detected"),
        ({"Action": "PublishBatch", "TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
          "PublishBatchRequestEntries.member.1.Id": "a"}, "ValidationError",
         "'publishBatchRequestEntries.member.1.message'"),
        ({"Action": "PublishBatch", "TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
          "PublishBatchRequestEntries.member.first.Id": "a"}, "MalformedQueryString",
         "PublishBatchRequestEntries.member.first"),
        ({"Action": "Publish", "Message": "x", "TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
          "MessageAttributes.entry.1.Value.DataType": "String"}, "MalformedQueryString",
         "MessageAttributes.entry.1.Name"),
        ({"Action": "Publish", "Message": "x", "TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
          "MessageAttributes.entry.1.Name": "b",
          "MessageAttributes.entry.1.Value.DataType": "Binary",
          "MessageAttributes.entry.1.Value.BinaryValue": "not base64!"}, "MalformedQueryString",
         "base64"),
        ({"Action": "Subscribe", "TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
          "Protocol": "sqs", "ReturnSubscriptionArn": "perhaps"}, "MalformedQueryString",
         "ReturnSubscriptionArn"),
        ({"Action": "Publish", "Message": "x", "Message.Extra": "y"}, "MalformedQueryString",
         "Message"),
        ({"Action": "Publish", "Message": "x", "TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
          "MessageAttributes.entry.1.Name": "a",
          "MessageAttributes.entry.1.Value.DataType": "String",
          "MessageAttributes.entry.1.Value.StringValue": "1",
          "MessageAttributes.entry.2.Name": "a",
          "MessageAttributes.entry.2.Value.DataType": "String",
          "MessageAttributes.entry.2.Value.StringValue": "2"}, "MalformedQueryString",
         "MessageAttributes has the key 'a' more than once"),
    ],
)  # fmt: skip
def test_malformed_requests_get_snss_error(
    server: BackgroundServer, form: dict[str, str], code: str, text: str
) -> None:
    status, content_type, body = _post(server, urlencode(form))
    assert (status, content_type) == (400, "text/xml")
    error_type, error_code, message = _xml_error(body)
    assert (error_type, error_code) == ("Sender", code)
    assert text in message


@pytest.mark.parametrize(
    "body",
    [b"Action=Publish&Message=%FF", b"Action=ListTopics&Action=Publish", b"\xff\xfe", b"a&&b"],
)
def test_unreadable_forms_are_malformed_query_strings(
    server: BackgroundServer, body: bytes
) -> None:
    status, _, answer = _post(server, body)
    assert status == 400
    assert _xml_error(answer)[1] == "MalformedQueryString"


def test_an_error_message_keeps_to_what_xml_can_carry(
    server: BackgroundServer, topics: Topics
) -> None:
    # Given a protocol with a control character, which the error message repeats
    arn = topics.create_topic("alerts")
    form = {"Action": "Subscribe", "TopicArn": arn, "Protocol": "e\x01mail", "Endpoint": "x"}
    # Then the answer is still XML a client can read, the character replaced
    status, _, body = _post(server, urlencode(form))
    assert status == 400
    _, code, message = _xml_error(body)
    assert (code, message) == ("InvalidParameter", "Invalid parameter: Protocol: e\ufffdmail")


def test_other_aws_apis_keep_their_routing(server: BackgroundServer) -> None:
    # EventBridge by X-Amz-Target, even with a form content type
    status, content_type, body = _post(
        server,
        b'{"EventBusName": "ordermesh"}',
        **{"X-Amz-Target": "AWSEvents.ListRules", "Content-Type": "application/x-amz-json-1.1"},
    )
    assert (status, content_type) == (200, "application/x-amz-json-1.1")
    assert json.loads(body) == {"Rules": []}
    # JSON without a target is still EventBridge's unknown operation
    status, _, body = _post(server, b"{}", **{"Content-Type": "application/x-amz-json-1.1"})
    assert status == 400
    assert json.loads(body)["__type"] == "UnknownOperationException"


def test_the_runtimes_port_serves_sns_beside_eventbridge(tmp_path: Path) -> None:
    # Given a runtime with a queue, served on loopback
    runtime = LocalRuntime(RuntimeOptions(state_dir=tmp_path / "state", validate_contracts=False))
    try:
        runtime.queues.create("on-call")
        with BackgroundServer(runtime.http_app()) as server:
            sns = aws_client(server.url)
            # When a topic is made, subscribed and published to with boto3
            arn = sns.create_topic(Name="ordermesh-alerts")["TopicArn"]
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn("on-call"))
            sns.publish(TopicArn=arn, Message="over the wire")
            # Then the runtime's queue has it, and EventBridge still answers on the same port
            [body] = _bodies(runtime.queues, "on-call")
            assert json.loads(body)["Message"] == "over the wire"
            assert (
                aws_client(server.url, "events").list_rules(EventBusName="ordermesh")["Rules"] == []
            )
            assert [m.message for m in runtime.topics.messages("ordermesh-alerts")] == [
                "over the wire"
            ]
    finally:
        runtime.close()
