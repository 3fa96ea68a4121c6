"""boto3's SNS client against the runtime's SNS endpoint for what operators and teams do besides
publishing: topic attributes, deleting a topic (its subscriptions go with it), a subscription's
attributes, every subscription in pages of 100, ConfirmSubscription, tags, and SNS's operations
the runtime does not serve. Where moto (the peer) answers the same calls, the test runs them on
both and compares the shape of the answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.topics import Topics
from ordermesh_platform.shared.aws import queue_arn
from tests.runtime.sns_endpoint import QUEUES

Script = Callable[[Any, Callable[[str], str]], Any]  # (sns client, queue name -> ARN) -> answer


def _on_moto(script: Script) -> Any:
    """``script``'s answer from moto, with the same queues."""
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        arns = {}
        for name in QUEUES:
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            arns[name] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
        return script(boto3.client("sns", region_name="us-east-1"), arns.__getitem__)


def _error(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    response = error.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


# --- topic attributes ------------------------------------------------------------------------


def _topic_attributes(sns: Any, arn_of: Callable[[str], str]) -> list[dict[str, str]]:
    arn = sns.create_topic(Name="alerts", Attributes={"DisplayName": "Alerts"})["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=arn_of("on-call"))
    created = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="On call")
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=policy)
    return [created, sns.get_topic_attributes(TopicArn=arn)["Attributes"]]


def test_topic_attributes_are_kept_and_answered_as_sns_answers_them(sns: Any) -> None:
    # Given a topic made with a display name and one subscription, then given two attributes
    created, changed = _topic_attributes(sns, queue_arn)
    # Then GetTopicAttributes answers SNS's read-only attributes beside the ones set
    arn = "arn:aws:sns:us-east-1:000000000000:alerts"
    assert created["TopicArn"] == arn
    assert created["Owner"] == "000000000000"
    assert created["DisplayName"] == "Alerts"
    assert (created["SubscriptionsConfirmed"], created["SubscriptionsPending"]) == ("1", "0")
    assert json.loads(created["Policy"])["Statement"][0]["Resource"] == arn
    assert "defaultHealthyRetryPolicy" in json.loads(created["EffectiveDeliveryPolicy"])["http"]
    assert changed["DisplayName"] == "On call"
    assert json.loads(changed["Policy"]) == {"Version": "2012-10-17", "Statement": []}
    # And the same names as moto's (which also answers an empty DeliveryPolicy when none is set,
    # and does not count subscriptions)
    on_moto, _ = _on_moto(_topic_attributes)
    assert set(created) == set(on_moto) - {"DeliveryPolicy"}
    assert on_moto["DisplayName"] == "Alerts"


def test_set_topic_attributes_refuses_what_the_runtime_does_not_keep(sns: Any) -> None:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    missing = arn.replace("alerts", "missing")
    cases: list[tuple[dict[str, str], str, int, str]] = [
        ({"AttributeName": "FifoTopic", "AttributeValue": "true"}, "InvalidParameter", 400,
         "FifoTopic: not supported by the local runtime"),
        ({"AttributeName": "Colour", "AttributeValue": "red"}, "InvalidParameter", 400,
         "Unknown attribute: Colour"),
        ({"AttributeName": "SignatureVersion", "AttributeValue": "3"}, "InvalidParameter", 400,
         "SignatureVersion: Invalid value [3]"),
        ({"AttributeName": "TracingConfig", "AttributeValue": "Sometimes"}, "InvalidParameter",
         400, "TracingConfig"),
        ({"AttributeName": "Policy", "AttributeValue": "allow all"}, "InvalidParameter", 400,
         "Policy Error"),
        ({"AttributeName": "DisplayName", "AttributeValue": "x" * 101}, "InvalidParameter", 400,
         "DisplayName"),
    ]  # fmt: skip
    for request, code, status, text in cases:
        got = _error(sns.set_topic_attributes, TopicArn=arn, **request)
        assert got[:2] == (code, status), (request, got)
        assert text in got[2], (request, got)
    refused = {"AttributeName": "DisplayName", "AttributeValue": "x"}
    assert _error(sns.set_topic_attributes, TopicArn=missing, **refused)[:2] == ("NotFound", 404)
    assert _error(sns.get_topic_attributes, TopicArn=missing)[:2] == ("NotFound", 404)
    assert _error(sns.create_topic, Name="t", Attributes={"Policy": "[]"})[0] == "InvalidParameter"
    # nothing refused was kept
    kept = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (kept["DisplayName"], "SignatureVersion" in kept) == ("", False)


# --- deleting a topic ------------------------------------------------------------------------


def _delete_topic(sns: Any, arn_of: Callable[[str], str]) -> dict[str, Any]:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    kept = sns.create_topic(Name="audit")["TopicArn"]
    gone = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=arn_of("on-call"))
    sns.subscribe(TopicArn=kept, Protocol="sqs", Endpoint=arn_of("alerts"))
    sns.delete_topic(TopicArn=arn)
    sns.delete_topic(TopicArn=arn)  # idempotent
    return {
        "topics": [t["TopicArn"].rsplit(":", 1)[-1] for t in sns.list_topics()["Topics"]],
        "subscriptions": [
            s["TopicArn"].rsplit(":", 1)[-1] for s in sns.list_subscriptions()["Subscriptions"]
        ],
        "publish": _error(sns.publish, TopicArn=arn, Message="x")[:2],
        "subscription": _error(
            sns.get_subscription_attributes, SubscriptionArn=gone["SubscriptionArn"]
        )[:2],
    }


def test_deleting_a_topic_deletes_its_subscriptions(sns: Any, topics: Topics) -> None:
    # Given two topics with a subscription each, when one is deleted (twice)
    local = _delete_topic(sns, queue_arn)
    # Then it and its subscription are gone, the other topic keeps its own, as on moto
    assert local == {
        "topics": ["audit"],
        "subscriptions": ["audit"],
        "publish": ("NotFound", 404),
        "subscription": ("NotFound", 404),
    }
    assert local == _on_moto(_delete_topic)
    assert [s.topic for s in topics.subscriptions()] == ["audit"]


def test_a_deleted_topic_made_again_starts_without_attributes_or_tags(sns: Any) -> None:
    arn = sns.create_topic(
        Name="alerts", Attributes={"DisplayName": "Old"}, Tags=[{"Key": "team", "Value": "ops"}]
    )["TopicArn"]
    sns.delete_topic(TopicArn=arn)
    assert sns.create_topic(Name="alerts")["TopicArn"] == arn
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == ""
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == []


# --- subscriptions ---------------------------------------------------------------------------


def _subscription_attributes(sns: Any, arn_of: Callable[[str], str]) -> list[dict[str, str]]:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    plain = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=arn_of("alerts"))
    policy = json.dumps({"severity": ["CRITICAL"]})
    filtered = sns.subscribe(
        TopicArn=arn,
        Protocol="sqs",
        Endpoint=arn_of("on-call"),
        Attributes={"RawMessageDelivery": "true", "FilterPolicy": policy},
    )
    return [
        sns.get_subscription_attributes(SubscriptionArn=s["SubscriptionArn"])["Attributes"]
        for s in (plain, filtered)
    ]


def test_subscription_attributes_are_answered_as_on_moto(sns: Any) -> None:
    # Given a plain subscription and a raw, filtered one
    plain, filtered = _subscription_attributes(sns, queue_arn)
    # Then each is answered with its topic, endpoint and settings
    assert plain["TopicArn"] == "arn:aws:sns:us-east-1:000000000000:alerts"
    assert (plain["Protocol"], plain["Endpoint"]) == ("sqs", queue_arn("alerts"))
    assert (plain["PendingConfirmation"], plain["RawMessageDelivery"]) == ("false", "false")
    assert "FilterPolicy" not in plain
    assert filtered["RawMessageDelivery"] == "true"
    assert json.loads(filtered["FilterPolicy"]) == {"severity": ["CRITICAL"]}
    assert filtered["FilterPolicyScope"] == "MessageAttributes"
    # And with the same names as moto answers
    moto_plain, moto_filtered = _on_moto(_subscription_attributes)
    assert (set(plain), set(filtered)) == (set(moto_plain), set(moto_filtered))


def test_subscription_attribute_errors(sns: Any) -> None:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    assert _error(sns.get_subscription_attributes, SubscriptionArn=f"{arn}:nope")[:2] == (
        "NotFound",
        404,
    )
    code, status, message = _error(sns.get_subscription_attributes, SubscriptionArn="nope")
    assert (code, status) == ("InvalidParameter", 400)
    assert "SubscriptionArn" in message


def test_every_subscription_is_listed_in_pages_of_100(sns: Any, queues: Queues) -> None:
    # Given 105 subscriptions over three topics
    for n in range(35):
        queues.create(f"q{n:02d}")
    expected = set()
    for name in ("a", "b", "c"):
        arn = sns.create_topic(Name=name)["TopicArn"]
        for n in range(35):
            made = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn(f"q{n:02d}"))
            expected.add(made["SubscriptionArn"])
    # Then ListSubscriptions pages them 100 at a time, and boto3's paginator reads them all
    first = sns.list_subscriptions()
    assert len(first["Subscriptions"]) == 100
    rest = sns.list_subscriptions(NextToken=first["NextToken"])
    assert (len(rest["Subscriptions"]), "NextToken" in rest) == (5, False)
    listed = {s["SubscriptionArn"] for s in first["Subscriptions"] + rest["Subscriptions"]}
    assert listed == expected
    paged = sns.get_paginator("list_subscriptions").paginate()
    assert sum(len(page["Subscriptions"]) for page in paged) == 105
    assert _error(sns.list_subscriptions, NextToken="later")[:2] == ("InvalidParameter", 400)


def test_no_token_confirms_a_subscription(sns: Any) -> None:
    # Queues and functions of the runtime's account are confirmed when subscribed: no token is
    # ever sent, so ConfirmSubscription knows none (moto accepts any token).
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    assert _error(sns.confirm_subscription, TopicArn=arn, Token="abc") == (
        "InvalidParameter",
        400,
        "Invalid parameter: Token",
    )
    missing = arn.replace("alerts", "missing")
    assert _error(sns.confirm_subscription, TopicArn=missing, Token="abc")[:2] == ("NotFound", 404)


# --- tags ------------------------------------------------------------------------------------


def _tags(sns: Any, _arn_of: Callable[[str], str]) -> list[Any]:
    arn = sns.create_topic(Name="alerts", Tags=[{"Key": "team", "Value": "analytics"}])["TopicArn"]
    tagged = sns.tag_resource(
        ResourceArn=arn, Tags=[{"Key": "tier", "Value": "1"}, {"Key": "team", "Value": "ops"}]
    )
    listed = sns.list_tags_for_resource(ResourceArn=arn)
    sns.untag_resource(ResourceArn=arn, TagKeys=["team", "never-set"])
    missing = arn.replace("alerts", "missing")
    too_many = [{"Key": f"k{n}", "Value": "v"} for n in range(50)]
    return [
        _without_metadata(tagged),
        sorted((t["Key"], t["Value"]) for t in listed["Tags"]),
        _without_metadata(sns.list_tags_for_resource(ResourceArn=arn)),
        _error(sns.list_tags_for_resource, ResourceArn=missing)[:2],
        _error(sns.tag_resource, ResourceArn=missing, Tags=[{"Key": "a", "Value": "b"}])[:2],
        _error(sns.untag_resource, ResourceArn=missing, TagKeys=["a"])[:2],
        _error(sns.tag_resource, ResourceArn=arn, Tags=too_many)[:2],
    ]


def test_tags_are_added_listed_and_removed_as_on_moto(sns: Any) -> None:
    local = _tags(sns, queue_arn)
    assert local == [
        {},
        [("team", "ops"), ("tier", "1")],
        {"Tags": [{"Key": "tier", "Value": "1"}]},
        ("ResourceNotFound", 404),
        ("ResourceNotFound", 404),
        ("ResourceNotFound", 404),
        ("TagLimitExceeded", 400),
    ]
    assert local == _on_moto(_tags)


def test_tag_keys_and_values_are_checked(sns: Any) -> None:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    for tags in (
        [{"Key": "k" * 129, "Value": "v"}],
        [{"Key": "aws:owner", "Value": "v"}],
        [{"Key": "k", "Value": "v" * 257}],
    ):
        assert _error(sns.tag_resource, ResourceArn=arn, Tags=tags)[:2] == ("InvalidParameter", 400)
    assert _error(sns.list_tags_for_resource, ResourceArn="alerts")[:2] == ("InvalidParameter", 400)
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == []


# --- what is not served ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "kwargs", "action"),
    [
        ("get_sms_attributes", {}, "GetSMSAttributes"),
        ("add_permission", {"TopicArn": "arn:aws:sns:us-east-1:000000000000:t", "Label": "l",
                            "AWSAccountId": ["1"], "ActionName": ["Publish"]}, "AddPermission"),
        ("list_platform_applications", {}, "ListPlatformApplications"),
    ],
)  # fmt: skip
def test_snss_other_operations_answer_invalid_action_by_name(
    sns: Any, method: str, kwargs: dict[str, Any], action: str
) -> None:
    code, status, message = _error(getattr(sns, method), **kwargs)
    assert (code, status) == ("InvalidAction", 400)
    assert f"the local runtime does not serve SNS's {action}" in message
    assert "GetTopicAttributes" in message  # what it does serve
