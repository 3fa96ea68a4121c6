"""The AWS resources a unit's CDK app creates, derived from its manifest without synthesizing.

A fresh clone has no ``cdk.out``, and synthesizing needs Node.js and the CDK libraries; the
manifest is what the stacks are built from (``ordermesh_cdk.service.ServiceStack`` for a
service and the saga, ``infra.stack.PlatformStack`` for the platform's shared stack), so the
catalog follows the same rules and names: per subscription or rule a rule on the bus and its
target (a queue with its dead-letter queue and consumer ``<rule>-consumer``, or a function with
its on-failure queue), per stream consumer a function and its on-failure queue, per topic the
topic, its queue of undeliverable messages and its subscriptions' queues or functions, the HTTP
API and its function, the platform's streams, alarm topic, state machines and the lake's
delivery streams. Tables, keys, alarms and dashboards are not listed.

A resource AWS names (a topic, a stream, a delivery stream, a state machine, an HTTP API) is
listed by that name. One AWS does not name (a rule, a queue, a function) gets a name from
CloudFormation made of its stack's name and its logical id, so it is listed with its local
runtime's name and the start of that logical id (``logical_id``), which CDK makes from the
construct ids the stack derives from the name (``pascal``). Each app's assertion tests compare
this list with the synthesized templates (``ordermesh_cdk.assertions.catalog_disagreements``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ordermesh_contracts.catalog import Catalog
from ordermesh_contracts.lake import delivery_streams
from ordermesh_contracts.manifest import ServiceManifest, Target, TopicSpec

ALARM_TOPIC_NAME = "ordermesh-alarms"  # the platform's topic every unit's alarms notify
DEAD_LETTERS = "DeliveryDeadLetters"  # each stack's queue of deliveries its rules failed


@dataclass(frozen=True, order=True)
class Resource:
    """One resource: its CloudFormation type, its name, what it is for and, when AWS does not
    name it, the start of its logical id in the template (CDK appends a hash)."""

    kind: str
    name: str
    purpose: str
    logical_id: str = ""

    @property
    def identifier(self) -> str:
        """What finds it in the template: its logical id's start, else its name."""
        return self.logical_id or self.name


RULE = "AWS::Events::Rule"
QUEUE = "AWS::SQS::Queue"
FUNCTION = "AWS::Lambda::Function"
TOPIC = "AWS::SNS::Topic"
STREAM = "AWS::Kinesis::Stream"
STATE_MACHINE = "AWS::StepFunctions::StateMachine"
HTTP_API = "AWS::ApiGatewayV2::Api"
DELIVERY_STREAM = "AWS::KinesisFirehose::DeliveryStream"
KINDS = frozenset({RULE, QUEUE, FUNCTION, TOPIC, STREAM, STATE_MACHINE, HTTP_API, DELIVERY_STREAM})
"""The kinds listed: of these, a unit's templates hold exactly what the catalog lists."""


def pascal(name: str) -> str:
    """A construct id from a resource name: ``inventory-reserve`` -> ``InventoryReserve`` (``-``,
    ``_`` and ``/`` separate words)."""
    return "".join(part.capitalize() for part in re.split(r"[-_/]", name))


def logical_id(*path: str) -> str:
    """The start of the logical id CDK gives the resource at construct ``path`` (from the
    stack): the ids joined, leaving out an id the one before it ends with (``FooQueue/Queue``
    is ``FooQueue``). CDK appends a hash of the path."""
    kept: list[str] = []
    for part in path:
        if not kept or not kept[-1].endswith(part):
            kept.append(part)
    return "".join(kept)


def manifest_resources(manifest: ServiceManifest, catalog: Catalog) -> list[Resource]:
    """What the unit's stacks create from ``manifest``, in the manifest's order."""
    return list(_resources(manifest, catalog))


def _resources(manifest: ServiceManifest, catalog: Catalog) -> Iterator[Resource]:
    unit = manifest.service.name
    yield Resource(
        QUEUE, f"{unit}-delivery-dead-letters", "events the bus could not deliver", DEAD_LETTERS
    )
    yield from _shared(manifest)
    for topic in manifest.topics:
        yield from _topic(unit, topic)
    for rule in manifest.rules:
        if rule.target.kind != "stream":  # a stream's rule is in the shared stack
            yield from _rule(f"{unit}-{rule.name}", rule.target, rule.description)
    for sub in manifest.subscriptions:
        yield from _rule(f"{unit}-{sub.name}", sub.target, sub.description or sub.event)
    for consumer in manifest.stream_consumers:
        name = f"{unit}-{consumer.name}"
        yield _function(name, f"reads the {consumer.stream} stream")
        failed = consumer.on_failure or f"{name}-dlq"
        yield Resource(QUEUE, failed, f"{name}'s discarded batches", pascal(failed) + "DeadLetters")
    for machine in manifest.state_machines:
        yield Resource(STATE_MACHINE, f"ordermesh-{machine.name}", machine.description)
    if manifest.http is not None:
        yield _function(f"{unit}-api", "the HTTP API's handler")
        yield Resource(HTTP_API, f"ordermesh-{unit}", ", ".join(manifest.http.routes))
    if manifest.lake is not None:
        for delivery in delivery_streams(catalog, manifest.lake):
            what = f"{delivery.event.ref} to {delivery.database}.{delivery.table}"
            rule_id = f"{delivery.event.detail_type}V{delivery.event.version}Rule"
            yield Resource(RULE, delivery.rule, what, logical_id("Lake", rule_id))
            yield Resource(DELIVERY_STREAM, delivery.name, what)


def _shared(manifest: ServiceManifest) -> Iterator[Resource]:
    """The platform's shared stack, for a manifest with streams or a lake: the alarm topic, the
    dead letters of its own rules, its streams and the rules feeding them (by the rule's own
    name)."""
    if not manifest.streams and manifest.lake is None:
        return
    unit = manifest.service.name
    yield Resource(TOPIC, ALARM_TOPIC_NAME, "every unit's alarms")
    yield Resource(
        QUEUE,
        f"{unit}-shared-delivery-dead-letters",
        "events the bus could not deliver to a stream or the lake",
        DEAD_LETTERS,
    )
    for stream in manifest.streams:
        yield Resource(STREAM, stream.name, f"{stream.retention_hours} h retention")
    for rule in manifest.rules:
        if rule.target.kind == "stream":
            name = f"{unit}-{rule.name}"
            yield Resource(RULE, name, rule.description, pascal(rule.name) + "Rule")


def _function(name: str, purpose: str) -> Resource:
    return Resource(FUNCTION, name, purpose, logical_id(pascal(name), "Function"))


def _work_queue(name: str, purpose: str, handler: str | None) -> Iterator[Resource]:
    """``name``'s queue, its dead-letter queue and, given a handler, its consumer."""
    queue = logical_id(pascal(name) + "Queue", "Queue")
    yield Resource(QUEUE, name, purpose, queue)
    yield Resource(QUEUE, f"{name}-dlq", f"{name}'s dead letters", logical_id(queue, "DeadLetters"))
    if handler is not None:
        yield _function(f"{name}-consumer", handler)


def _async_function(name: str, handler: str) -> Iterator[Resource]:
    """``name``'s function and its on-failure queue."""
    yield _function(name, handler)
    failed = f"{name}'s failed invocations"
    yield Resource(QUEUE, f"{name}-dlq", failed, pascal(name) + "DeadLetters")


def _rule(name: str, target: Target, purpose: str) -> Iterator[Resource]:
    yield Resource(RULE, name, purpose, pascal(name) + "Rule")
    if target.kind == "queue":
        yield from _work_queue(name, f"{name}'s work queue", target.handler)
    elif target.kind == "function":
        yield from _async_function(name, str(target.handler))


def _topic(unit: str, topic: TopicSpec) -> Iterator[Resource]:
    yield Resource(TOPIC, topic.name, topic.description)
    construct = pascal(topic.name) + "Topic"
    yield Resource(
        QUEUE,
        f"{unit}-{topic.name}-undeliverable",
        f"what {topic.name} could not deliver",
        logical_id(construct, "Undeliverable"),
    )
    for sub in topic.subscriptions:
        name = f"{unit}-{topic.name}-{sub.name}"
        if sub.protocol == "sqs":
            yield from _work_queue(name, sub.description or f"{topic.name} to a queue", sub.handler)
        else:
            yield from _async_function(name, str(sub.handler))
