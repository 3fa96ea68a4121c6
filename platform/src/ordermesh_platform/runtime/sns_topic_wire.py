"""SNS's topic operations on the wire (``runtime.sns_wire`` serves them with the others):
CreateTopic, ListTopics, GetTopicAttributes, SetTopicAttributes, DeleteTopic and the topic's
tags (TagResource, UntagResource, ListTagsForResource).

The attributes a topic keeps (DisplayName, Policy, DeliveryPolicy, SignatureVersion,
TracingConfig, KmsMasterKeyId, ArchivePolicy, DataProtectionPolicy) are checked as SNS checks
their values, stored and answered by GetTopicAttributes, with SNS's read-only ones beside them
(TopicArn, Owner, the default Policy, the subscription counts, EffectiveDeliveryPolicy); they
do not change delivery. The FIFO attributes are refused by name, any other name is an
InvalidParameter. DeleteTopic removes the topic's subscriptions with it and is idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ordermesh_platform.runtime.sns_requests import (
    NOT_LOCAL,
    OWN_PREFIX,
    Body,
    invalid,
    not_local,
    page,
    topic_member,
)
from ordermesh_platform.runtime.topics import TopicError, Topics, topic_arn, topic_name
from ordermesh_platform.shared.aws import ACCOUNT

Operation = Callable[[Topics, Body], dict[str, Any] | None]

MAX_DISPLAY_NAME = 100
MAX_TAG_KEY, MAX_TAG_VALUE = 128, 256
_JSON_ATTRIBUTES = ("Policy", "DeliveryPolicy", "ArchivePolicy", "DataProtectionPolicy")
_CHOICES = {"SignatureVersion": ("1", "2"), "TracingConfig": ("PassThrough", "Active")}
TOPIC_ATTRIBUTES = frozenset(
    {"DisplayName", "KmsMasterKeyId", *_JSON_ATTRIBUTES, *_CHOICES}
)  # kept and answered; none changes delivery
# what SNS answers for a topic's delivery to HTTP endpoints when none is set
EFFECTIVE_DELIVERY_POLICY = json.dumps(
    {
        "http": {
            "defaultHealthyRetryPolicy": {
                "minDelayTarget": 20,
                "maxDelayTarget": 20,
                "numRetries": 3,
                "numMaxDelayRetries": 0,
                "numNoDelayRetries": 0,
                "numMinDelayRetries": 0,
                "backoffFunction": "linear",
            },
            "disableSubscriptionOverrides": False,
            "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
        }
    },
    separators=(",", ":"),
)
_DEFAULT_ACTIONS = (
    "GetTopicAttributes",
    "SetTopicAttributes",
    "AddPermission",
    "RemovePermission",
    "DeleteTopic",
    "Subscribe",
    "ListSubscriptionsByTopic",
    "Publish",
)


def default_policy(arn: str) -> str:
    """The access policy SNS gives a topic created without one: its account may do anything."""
    statement = {
        "Sid": "__default_statement_ID",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": [f"SNS:{action}" for action in _DEFAULT_ACTIONS],
        "Resource": arn,
        "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}},
    }
    document = {"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [statement]}
    return json.dumps(document, separators=(",", ":"))


def check_topic_attribute(name: str, value: str, member: str = "Attributes") -> None:
    """A topic attribute as SNS checks it on CreateTopic and SetTopicAttributes."""
    if name in NOT_LOCAL:
        raise not_local(name, member)
    if name not in TOPIC_ATTRIBUTES:
        raise invalid(f"{member} Reason: Unknown attribute: {name}")
    if name == "DisplayName" and len(value) > MAX_DISPLAY_NAME:
        raise invalid(f"DisplayName Reason: at most {MAX_DISPLAY_NAME} characters")
    if name in _CHOICES and value not in _CHOICES[name]:
        choices = " or ".join(_CHOICES[name])
        raise invalid(f"{name}: Invalid value [{value}]. Must be {choices}")
    if name in _JSON_ATTRIBUTES and (name == "Policy" or value):
        try:
            document = json.loads(value)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise invalid(f"{name} Error: {value!r} is not a JSON object")


def check_tags(tags: list[Mapping[str, str]]) -> dict[str, str]:
    """The request's tags as a mapping, each key and value checked as SNS checks them."""
    checked: dict[str, str] = {}
    for tag in tags:
        key, value = tag["Key"], tag["Value"]
        _check_tag_key(key)
        if len(value) > MAX_TAG_VALUE:
            raise invalid(f"Tags Reason: the value of {key} is longer than {MAX_TAG_VALUE}")
        checked[key] = value
    return checked


def _check_tag_key(key: str) -> None:
    if not 1 <= len(key) <= MAX_TAG_KEY:
        raise invalid(f"Tags Reason: a tag key has 1 to {MAX_TAG_KEY} characters: {key!r}")
    if key.lower().startswith("aws:"):
        raise invalid(f"Tags Reason: the prefix aws: is reserved: {key}")


# --- topics ----------------------------------------------------------------------------------


def _create_topic(topics: Topics, body: Body) -> dict[str, Any]:
    attributes = body.get("Attributes") or {}
    for name, value in attributes.items():
        check_topic_attribute(name, value)
    tags = check_tags(body.get("Tags") or [])
    return {"TopicArn": topics.create_topic(body["Name"], attributes, tags)}


def _list_topics(topics: Topics, body: Body) -> dict[str, Any]:
    listed, more = page(topics.names(), body)
    return {"Topics": [{"TopicArn": topic_arn(name)} for name in listed], **more}


def _get_topic_attributes(topics: Topics, body: Body) -> dict[str, Any]:
    name = topics.existing(topic_member(body))
    arn = topic_arn(name)
    attributes = {
        "TopicArn": arn,
        "Owner": ACCOUNT,
        "Policy": default_policy(arn),
        "DisplayName": "",
        "SubscriptionsConfirmed": str(len(topics.subscriptions(name))),
        "SubscriptionsPending": "0",
        "SubscriptionsDeleted": "0",
        "EffectiveDeliveryPolicy": EFFECTIVE_DELIVERY_POLICY,
    }
    return {"Attributes": {**attributes, **topics.metadata.attributes(name)}}


def _set_topic_attributes(topics: Topics, body: Body) -> None:
    name = topics.existing(topic_member(body))
    attribute, value = body["AttributeName"], body.get("AttributeValue") or ""
    check_topic_attribute(attribute, value, "AttributeName")
    topics.metadata.set_attributes(name, {attribute: value})


def _delete_topic(topics: Topics, body: Body) -> None:
    topics.delete_topic(topic_member(body))


# --- tags ------------------------------------------------------------------------------------


def _tagged(topics: Topics, body: Body) -> str:
    """The topic the request's ResourceArn names, or ResourceNotFound, as the tag APIs say."""
    resource = body["ResourceArn"]
    if not resource.startswith("arn:"):
        raise invalid(f"ResourceArn Reason: {resource} does not start with arn")
    name = topic_name(resource)
    if resource != OWN_PREFIX + name or name not in topics.names():
        raise TopicError("ResourceNotFound", "Resource does not exist")
    return name


def _tag_resource(topics: Topics, body: Body) -> dict[str, Any]:
    topics.metadata.tag(_tagged(topics, body), check_tags(body["Tags"]))
    return {}


def _untag_resource(topics: Topics, body: Body) -> dict[str, Any]:
    name = _tagged(topics, body)
    for key in body["TagKeys"]:
        _check_tag_key(key)
    topics.metadata.untag(name, body["TagKeys"])
    return {}


def _list_tags_for_resource(topics: Topics, body: Body) -> dict[str, Any]:
    tags = topics.metadata.tags(_tagged(topics, body))
    return {"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}


TOPIC_OPERATIONS: Mapping[str, Operation] = {
    "CreateTopic": _create_topic,
    "ListTopics": _list_topics,
    "GetTopicAttributes": _get_topic_attributes,
    "SetTopicAttributes": _set_topic_attributes,
    "DeleteTopic": _delete_topic,
    "TagResource": _tag_resource,
    "UntagResource": _untag_resource,
    "ListTagsForResource": _list_tags_for_resource,
}
