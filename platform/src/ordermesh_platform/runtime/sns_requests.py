"""What the SNS query operations (``runtime.sns_wire``, ``runtime.sns_topic_wire``) share: SNS's
InvalidParameter errors, reading a topic's or a subscription's ARN from a request, paging a
listing as SNS pages it, and a subscription as the listings show it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordermesh_platform.runtime.topics import Subscription, TopicError, topic_arn
from ordermesh_platform.shared.aws import ACCOUNT, function_arn, queue_arn

Body = Mapping[str, Any]

PAGE_SIZE = 100  # ListTopics, ListSubscriptions, ListSubscriptionsByTopic: 100 a page, as SNS
OWN_PREFIX = topic_arn("")
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
ENDPOINT_ARNS = {"sqs": queue_arn, "lambda": function_arn}


def invalid(reason: str) -> TopicError:
    return TopicError("InvalidParameter", f"Invalid parameter: {reason}")


def not_local(name: str, member: str = "Attributes") -> TopicError:
    return invalid(f"{member} Reason: {name}: not supported by the local runtime")


def sns_arn(value: str, member: str, kind: str = "Topic") -> str:
    """An SNS ARN of this account and region (a topic's, or a subscription's)."""
    if not value.startswith("arn:"):
        raise invalid(f"{member} Reason: {value} does not start with arn")
    parts = value.split(":")
    if len(parts) < 6 or parts[2] != "sns":  # noqa: PLR2004 - an ARN's six fields
        raise invalid(f"{member} Reason: {value} is not an SNS ARN")
    if not value.startswith(OWN_PREFIX):
        # another region's or account's topic: it is not here
        raise TopicError("NotFound", f"{kind} does not exist")
    return value


def topic_member(body: Body, member: str = "TopicArn") -> str:
    value = body.get(member)
    if value is None:
        raise invalid(f"{member} Reason: no value for required parameter")
    return sns_arn(value, member)


def page(items: list[Any], body: Body) -> tuple[list[Any], dict[str, str]]:
    """One page of ``items`` from the request's NextToken, and the next page's token if any."""
    token = body.get("NextToken") or "0"
    if not token.isdigit() or int(token) > len(items):
        raise invalid("NextToken")
    start = int(token)
    more = {"NextToken": str(start + PAGE_SIZE)} if start + PAGE_SIZE < len(items) else {}
    return items[start : start + PAGE_SIZE], more


def listed_subscription(subscription: Subscription) -> dict[str, str]:
    """A subscription as ListSubscriptions and ListSubscriptionsByTopic list it."""
    return {
        "SubscriptionArn": subscription.arn,
        "Owner": ACCOUNT,
        "Protocol": subscription.protocol,
        "Endpoint": ENDPOINT_ARNS[subscription.protocol](subscription.endpoint),
        "TopicArn": topic_arn(subscription.topic),
    }
