"""SNS's query API over HTTP, so ``boto3.client("sns", endpoint_url=...)`` and ``aws sns
--endpoint-url`` reach the runtime's topics (``runtime.topics``), served on the runtime's port.

Operations: Publish (TopicArn or TargetArn), PublishBatch, the topic operations of
``runtime.sns_topic_wire`` (CreateTopic, ListTopics, Get/SetTopicAttributes, DeleteTopic, tags),
Subscribe (``sqs`` and ``lambda``, with the RawMessageDelivery, FilterPolicy and
FilterPolicyScope attributes), ConfirmSubscription, ListSubscriptions, ListSubscriptionsByTopic,
Get/SetSubscriptionAttributes and Unsubscribe. Members are read by botocore's own SNS model
(``runtime.awsquery``); errors are the topics' SNS codes; SNS's other operations (SMS, mobile
push, permissions, data protection) answer InvalidAction. What would change delivery and is not
done locally (FIFO topics, SMS, other protocols, redrive policies, replay) is refused by name.
Subscribing a topic's endpoint again answers the existing subscription, as SNS does; a queue or
function of this account is confirmed at once, so no subscription is ever pending and
ConfirmSubscription knows no token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import botocore.session
from botocore.model import ServiceModel

from ordermesh_platform.runtime.awsquery import QueryService
from ordermesh_platform.runtime.sns_requests import (
    NOT_LOCAL,
    Body,
    invalid,
    listed_subscription,
    not_local,
    page,
    sns_arn,
    topic_member,
)
from ordermesh_platform.runtime.sns_topic_wire import TOPIC_OPERATIONS
from ordermesh_platform.runtime.topics import (
    Subscription,
    TopicError,
    Topics,
    raw_message_delivery,
)
from ordermesh_platform.sns import (
    FilterPolicy,
    InvalidFilterPolicyError,
    check_scope,
    compile_filter_policy,
)

Operation = Callable[[Topics, Body], dict[str, Any] | None]

SUBSCRIPTION_ATTRIBUTES = ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope")


@functools.cache
def sns_model() -> ServiceModel:
    """botocore's SNS model: the member names and shapes boto3 sends and reads."""
    return botocore.session.get_session().get_service_model("sns")


def _standard_topic(body: Body) -> None:
    for member in ("MessageGroupId", "MessageDeduplicationId"):
        if body.get(member) is not None:
            reason = (
                f"The request includes {member} parameter that is not valid for this topic type"
            )
            raise invalid(reason)


# --- publishing ------------------------------------------------------------------------------


def _publish(topics: Topics, body: Body) -> dict[str, Any]:
    given = [m for m in ("TopicArn", "TargetArn", "PhoneNumber") if body.get(m) is not None]
    if len(given) > 1:
        raise invalid(f"{given[1]} Reason: Only one of TopicArn, TargetArn or PhoneNumber")
    if not given:
        raise invalid("TopicArn or TargetArn Reason: no value for required parameter")
    if given == ["PhoneNumber"]:
        raise invalid("PhoneNumber Reason: SMS is not sent by the local runtime")
    _standard_topic(body)
    message_id = topics.publish(
        topic_member(body, given[0]),
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
    return topics.publish_batch(topic_member(body), entries)


# --- subscriptions ---------------------------------------------------------------------------


def _subscription_attributes(attributes: Mapping[str, str]) -> dict[str, Any]:
    for name in attributes:
        if name in NOT_LOCAL:
            raise not_local(name)
        if name not in SUBSCRIPTION_ATTRIBUTES:
            raise invalid(f"Attributes Reason: Unknown attribute: {name}")
    return {
        "raw_message_delivery": raw_message_delivery(attributes.get("RawMessageDelivery", "false")),
        "filter_policy": attributes.get("FilterPolicy") or None,
        "filter_policy_scope": attributes.get("FilterPolicyScope", "MessageAttributes"),
    }


def _endpoint(protocol: str, endpoint: str | None) -> str:
    if endpoint is None:
        raise invalid("Endpoint Reason: no value for required parameter")
    service = {"sqs": "sqs", "lambda": "lambda"}.get(protocol)
    if service is not None and not endpoint.startswith(f"arn:aws:{service}:"):
        raise invalid(f"{protocol.upper() if service == 'sqs' else 'Lambda'} endpoint ARN")
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
    topic, protocol = topic_member(body), body["Protocol"]
    endpoint = _endpoint(protocol, body.get("Endpoint"))
    settings = _subscription_attributes(body.get("Attributes") or {})
    name = endpoint.rsplit(":", 1)[-1]
    existing = [
        s for s in topics.subscriptions(topic) if (s.protocol, s.endpoint) == (protocol, name)
    ]
    if not existing:
        return {"SubscriptionArn": topics.subscribe(topic, protocol, endpoint, **settings)}
    if not _same_settings(existing[0], settings):
        raise invalid("Attributes Reason: Subscription already exists with different attributes")
    return {"SubscriptionArn": existing[0].arn}


def _list_subscriptions_by_topic(topics: Topics, body: Body) -> dict[str, Any]:
    listed, more = page(topics.subscriptions(topics.existing(topic_member(body))), body)
    return {"Subscriptions": [listed_subscription(s) for s in listed], **more}


def _list_subscriptions(topics: Topics, body: Body) -> dict[str, Any]:
    listed, more = page(topics.subscriptions(), body)
    return {"Subscriptions": [listed_subscription(s) for s in listed], **more}


def _get_subscription_attributes(topics: Topics, body: Body) -> dict[str, Any]:
    arn = sns_arn(body["SubscriptionArn"], "SubscriptionArn", "Subscription")
    subscription = topics.subscription(arn)
    attributes = {
        **listed_subscription(subscription),
        "PendingConfirmation": "false",  # a queue or function of this account: confirmed at once
        "ConfirmationWasAuthenticated": "true",
        "RawMessageDelivery": "true" if subscription.raw_message_delivery else "false",
    }
    policy = subscription.filter_policy
    if policy is not None:
        attributes |= {"FilterPolicy": policy.text, "FilterPolicyScope": policy.scope}
    return {"Attributes": attributes}


def _confirm_subscription(topics: Topics, body: Body) -> dict[str, Any]:
    """No token is ever outstanding: the local runtime's subscriptions (queues and functions of
    its own account) are confirmed when they are made, so every token is unknown."""
    topics.existing(topic_member(body))
    raise invalid("Token")


def _set_subscription_attributes(topics: Topics, body: Body) -> None:
    name, value = body["AttributeName"], body.get("AttributeValue") or ""
    subscription = sns_arn(body["SubscriptionArn"], "SubscriptionArn", "Subscription")
    if name in NOT_LOCAL:
        raise not_local(name, "AttributeName")
    topics.set_subscription_attribute(subscription, name, value)


def _unsubscribe(topics: Topics, body: Body) -> None:
    topics.unsubscribe(sns_arn(body["SubscriptionArn"], "SubscriptionArn", "Subscription"))


OPERATIONS: dict[str, Operation] = {
    "Publish": _publish,
    "PublishBatch": _publish_batch,
    **TOPIC_OPERATIONS,
    "Subscribe": _subscribe,
    "ConfirmSubscription": _confirm_subscription,
    "ListSubscriptions": _list_subscriptions,
    "ListSubscriptionsByTopic": _list_subscriptions_by_topic,
    "GetSubscriptionAttributes": _get_subscription_attributes,
    "SetSubscriptionAttributes": _set_subscription_attributes,
    "Unsubscribe": _unsubscribe,
}


def sns_service(topics: Topics) -> QueryService[Topics]:
    """SNS's query operations on ``topics``."""
    return QueryService(sns_model(), OPERATIONS, topics)
