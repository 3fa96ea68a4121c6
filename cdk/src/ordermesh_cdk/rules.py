"""A rule on the bus with an EventBridge pattern given as its JSON, exactly as the local bus
matches it (content filters such as ``prefix`` or ``exists`` included, at any level)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from constructs import Construct

# EventBridge's own limits: it retries a target up to 185 times over at most a day; then the
# event goes to the target's dead-letter queue. Every rule target uses both.
DELIVERY_RETRY_ATTEMPTS = 185
DELIVERY_MAX_EVENT_AGE = Duration.hours(24)


def pattern_rule(
    scope: Construct,
    construct_id: str,
    *,
    bus: events.IEventBus,
    pattern: Mapping[str, Any],
    description: str,
    enabled: bool = True,
) -> events.Rule:
    """``events.Rule`` types each top-level pattern field as a list of strings; the pattern is
    therefore written to the template as given, replacing the placeholder the L2 needs."""
    rule = events.Rule(
        scope,
        construct_id,
        event_bus=bus,
        event_pattern=events.EventPattern(source=["placeholder"]),
        enabled=enabled,
        description=description[:512],
    )
    cfn = rule.node.default_child
    if not isinstance(cfn, events.CfnRule):  # pragma: no cover - the L2 always makes one
        raise TypeError(f"{construct_id}: the rule has no CfnRule")
    cfn.add_property_override("EventPattern", dict(pattern))
    return rule
