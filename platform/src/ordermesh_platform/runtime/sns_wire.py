"""SNS's query API over HTTP, so ``boto3.client("sns", endpoint_url=...)`` and ``aws sns
--endpoint-url`` reach the runtime's topics (``runtime.topics``), served on the runtime's port.

Operations: Publish (TopicArn or TargetArn), PublishBatch, CreateTopic, ListTopics, Subscribe
(``sqs`` and ``lambda``, with the RawMessageDelivery, FilterPolicy and FilterPolicyScope
attributes), ListSubscriptionsByTopic, SetSubscriptionAttributes and Unsubscribe. Members are
read by botocore's own SNS model (``runtime.awsquery``); errors are the topics' SNS codes.
Topic settings the runtime has no use for (DisplayName, Policy, DeliveryPolicy, tracing,
encryption, tags) are accepted and ignored; what would change delivery and is not done locally
(FIFO topics, SMS, other protocols, redrive policies, replay) is refused by name. Subscribing a
topic's endpoint again answers the existing subscription, as SNS does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import botocore.session
from botocore.model import ServiceModel

from ordermesh_platform.runtime.awsquery import QueryService
from ordermesh_platform.runtime.topics import (
    Subscription,
    TopicError,
    Topics,
    raw_message_delivery,
    topic_arn,
)
from ordermesh_platform.shared.aws import ACCOUNT, function_arn, queue_arn
from ordermesh_platform.sns import (
    FilterPolicy,
    InvalidFilterPolicyError,
    check_scope,
    compile_filter_policy,
)

Body = Mapping[str, Any]
Operation = Callable[[Topics, Body], dict[str, Any] | None]

PAGE_SIZE = 100  # ListTopics and ListSubscriptionsByTopic: 100 a page, as SNS pages them
_OWN_PREFIX = topic_arn("")
TOPIC_ATTRIBUTES = frozenset(
    {
        "DisplayName",
        "Policy",
        "DeliveryPolicy",
        "SignatureVersion",
        "TracingConfig",
        "KmsMasterKeyId",
        "ArchivePolicy",
        "DataProtectionPolicy",
    }
)  # accepted and ignored
SUBSCRIPTION_ATTRIBUTES = ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope")
NOT_LOCAL = frozenset(
    {
        "FifoTopic",
        "ContentBasedDeduplication",
        "FifoThroughputScope",
        "RedrivePolicy",
        "SubscriptionRoleArn",
        "ReplayPolicy",
    }
)  # FIFO topics, dead-letter queues, Firehose and replay: not run by the local runtime
_ENDPOINT_ARNS = {"sqs": queue_arn, "lambda": function_arn}


@functools.cache
def sns_model() -> ServiceModel:
    """botocore's SNS model: the member names and shapes boto3 sends and reads."""
    return botocore.session.get_session().get_service_model("sns")


def _invalid(reason: str) -> TopicError:
    return TopicError("InvalidParameter", f"Invalid parameter: {reason}")


def _arn(value: str, member: str, kind: str = "Topic") -> str:
    """An SNS ARN of this account and region (a topic's, or a subscription's)."""
    if not value.startswith("arn:"):
        raise _invalid(f"{member} Reason: {value} does not start with arn")
    parts = value.split(":")
    if len(parts) < 6 or parts[2] != "sns":  # noqa: PLR2004 - an ARN's six fields
        raise _invalid(f"{member} Reason: {value} is not an SNS ARN")
    if not value.startswith(_OWN_PREFIX):
        # another region's or account's topic: it is not here
        raise TopicError("NotFound", f"{kind} does not exist")
    return value


def _topic(body: Body, member: str = "TopicArn") -> str:
    value = body.get(member)
    if value is None:
        raise _invalid(f"{member} Reason: no value for required parameter")
    return _arn(value, member)


def _page(items: list[Any], body: Body) -> tuple[list[Any], dict[str, str]]:
    token = body.get("NextToken") or "0"
    if not token.isdigit() or int(token) > len(items):
        raise _invalid("NextToken")
    start = int(token)
    more = {"NextToken": str(start + PAGE_SIZE)} if start + PAGE_SIZE < len(items) else {}
    return items[start : start + PAGE_SIZE], more


def _standard_topic(body: Body) -> None:
    for member in ("MessageGroupId", "MessageDeduplicationId"):
        if body.get(member) is not None:
            reason = (
                f"The request includes {member} parameter that is not valid for this topic type"
            )
            raise _invalid(reason)


# --- publishing ------------------------------------------------------------------------------


def _publish(topics: Topics, body: Body) -> dict[str, Any]:
    given = [m for m in ("TopicArn", "TargetArn", "PhoneNumber") if body.get(m) is not None]
    if len(given) > 1:
        raise _invalid(f"{given[1]} Reason: Only one of TopicArn, TargetArn or PhoneNumber")
    if not given:
        raise _invalid("TopicArn or TargetArn Reason: no value for required parameter")
    if given == ["PhoneNumber"]:
        raise _invalid("PhoneNumber Reason: SMS is not sent by the local runtime")
    _standard_topic(body)
    message_id = topics.publish(
        _topic(body, given[0]),
        body.get("Message"),
        subject=body.get("Subject"),
        message_attributes=body.get("MessageAttributes"),
        message_structure=body.get("MessageStructure"),
    )
    return {"MessageId": message_id}


def _publish_batch(topics: Topics, body: Body) -> dict[str, Any]:
    entries = body.get("PublishBatchRequestEntries") or []
    for entry in entries:
        _standard_topic(entry)
    return topics.publish_batch(_topic(body), entries)


# --- topics ----------------------------------------------------------------------------------


def _create_topic(topics: Topics, body: Body) -> dict[str, Any]:
    for name in body.get("Attributes") or {}:
        if name in NOT_LOCAL:
            raise _invalid(f"Attributes Reason: {name}: not supported by the local runtime")
        if name not in TOPIC_ATTRIBUTES:
            raise _invalid(f"Attributes Reason: Unknown attribute: {name}")
    return {"TopicArn": topics.create_topic(body["Name"])}


def _list_topics(topics: Topics, body: Body) -> dict[str, Any]:
    page, more = _page(topics.names(), body)
    return {"Topics": [{"TopicArn": topic_arn(name)} for name in page], **more}


# --- subscriptions ---------------------------------------------------------------------------


def _subscription_attributes(attributes: Mapping[str, str]) -> dict[str, Any]:
    for name in attributes:
        if name in NOT_LOCAL:
            raise _invalid(f"Attributes Reason: {name}: not supported by the local runtime")
        if name not in SUBSCRIPTION_ATTRIBUTES:
            raise _invalid(f"Attributes Reason: Unknown attribute: {name}")
    return {
        "raw_message_delivery": raw_message_delivery(attributes.get("RawMessageDelivery", "false")),
        "filter_policy": attributes.get("FilterPolicy") or None,
        "filter_policy_scope": attributes.get("FilterPolicyScope", "MessageAttributes"),
    }


def _endpoint(protocol: str, endpoint: str | None) -> str:
    if endpoint is None:
        raise _invalid("Endpoint Reason: no value for required parameter")
    service = {"sqs": "sqs", "lambda": "lambda"}.get(protocol)
    if service is not None and not endpoint.startswith(f"arn:aws:{service}:"):
        raise _invalid(f"{protocol.upper() if service == 'sqs' else 'Lambda'} endpoint ARN")
    return endpoint


def _policy(settings: Mapping[str, Any]) -> FilterPolicy | None:
    """The requested filter policy, checked as Subscribe checks it."""
    try:
        scope = check_scope(settings["filter_policy_scope"])
        text = settings["filter_policy"]
        return None if text is None else compile_filter_policy(text, scope)
    except InvalidFilterPolicyError as exc:
        raise TopicError(exc.code, exc.aws_message("Subscribe")) from exc


def _same_settings(existing: Subscription, settings: Mapping[str, Any]) -> bool:
    wanted, policy = _policy(settings), existing.filter_policy
    if settings["raw_message_delivery"] != existing.raw_message_delivery:
        return False
    if wanted is None or policy is None:
        return wanted is None and policy is None
    return (wanted.text, wanted.scope) == (policy.text, policy.scope)


def _subscribe(topics: Topics, body: Body) -> dict[str, Any]:
    topic, protocol = _topic(body), body["Protocol"]
    endpoint = _endpoint(protocol, body.get("Endpoint"))
    settings = _subscription_attributes(body.get("Attributes") or {})
    name = endpoint.rsplit(":", 1)[-1]
    existing = [
        s for s in topics.subscriptions(topic) if (s.protocol, s.endpoint) == (protocol, name)
    ]
    if not existing:
        return {"SubscriptionArn": topics.subscribe(topic, protocol, endpoint, **settings)}
    if not _same_settings(existing[0], settings):
        raise _invalid("Attributes Reason: Subscription already exists with different attributes")
    return {"SubscriptionArn": existing[0].arn}


def _list_subscriptions_by_topic(topics: Topics, body: Body) -> dict[str, Any]:
    topic = _topic(body)
    if topic.rsplit(":", 1)[-1] not in topics.names():
        raise TopicError("NotFound", "Topic does not exist")
    page, more = _page(topics.subscriptions(topic), body)
    listed = [
        {
            "SubscriptionArn": s.arn,
            "Owner": ACCOUNT,
            "Protocol": s.protocol,
            "Endpoint": _ENDPOINT_ARNS[s.protocol](s.endpoint),
            "TopicArn": topic_arn(s.topic),
        }
        for s in page
    ]
    return {"Subscriptions": listed, **more}


def _set_subscription_attributes(topics: Topics, body: Body) -> None:
    name, value = body["AttributeName"], body.get("AttributeValue") or ""
    subscription = _arn(body["SubscriptionArn"], "SubscriptionArn", "Subscription")
    if name in NOT_LOCAL:
        raise _invalid(f"AttributeName Reason: {name}: not supported by the local runtime")
    topics.set_subscription_attribute(subscription, name, value)


def _unsubscribe(topics: Topics, body: Body) -> None:
    topics.unsubscribe(_arn(body["SubscriptionArn"], "SubscriptionArn", "Subscription"))


OPERATIONS: dict[str, Operation] = {
    "Publish": _publish,
    "PublishBatch": _publish_batch,
    "CreateTopic": _create_topic,
    "ListTopics": _list_topics,
    "Subscribe": _subscribe,
    "ListSubscriptionsByTopic": _list_subscriptions_by_topic,
    "SetSubscriptionAttributes": _set_subscription_attributes,
    "Unsubscribe": _unsubscribe,
}


def sns_service(topics: Topics) -> QueryService[Topics]:
    """SNS's query operations on ``topics``."""
    return QueryService(sns_model(), OPERATIONS, topics)
