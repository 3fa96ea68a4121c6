"""The AWS resources a unit's CDK app creates, derived from its manifest without synthesizing.

A fresh clone has no ``cdk.out``, and synthesizing needs Node.js and the CDK libraries; the
manifest is what the stacks are built from (``ordermesh_cdk.service.ServiceStack`` for a
service, ``infra.stack.PlatformStack`` for the platform), so the catalog follows the same rules
and names: per subscription or rule a rule on the bus and its target (a queue with its
dead-letter queue and consumer ``<rule>-consumer``, or a function with its on-failure queue),
per stream consumer a function and its on-failure queue, per topic the topic and its
subscriptions' queues or functions, the HTTP API and its function, the platform's streams,
state machines and the lake's delivery streams. What a stack adds in code (its tables, keys,
alarms, dashboards) is not in the manifest and is not listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ordermesh_contracts.catalog import Catalog
from ordermesh_contracts.lake import delivery_streams
from ordermesh_contracts.manifest import ServiceManifest, Target, TopicSpec


@dataclass(frozen=True, order=True)
class Resource:
    """One resource: its CloudFormation type, its name and what it is for."""

    kind: str
    name: str
    purpose: str


RULE = "AWS::Events::Rule"
QUEUE = "AWS::SQS::Queue"
FUNCTION = "AWS::Lambda::Function"
TOPIC = "AWS::SNS::Topic"


def manifest_resources(manifest: ServiceManifest, catalog: Catalog) -> list[Resource]:
    """What the unit's stack creates from ``manifest``, in the manifest's order."""
    return list(_resources(manifest, catalog))


def _resources(manifest: ServiceManifest, catalog: Catalog) -> Iterator[Resource]:
    unit = manifest.service.name
    yield Resource(QUEUE, f"{unit}-delivery-dead-letters", "events the bus could not deliver")
    for stream in manifest.streams:
        yield Resource("AWS::Kinesis::Stream", stream.name, f"{stream.retention_hours} h retention")
    for topic in manifest.topics:
        yield from _topic(unit, topic)
    for rule in manifest.rules:
        yield from _rule(f"{unit}-{rule.name}", rule.target, rule.description)
    for sub in manifest.subscriptions:
        yield from _rule(f"{unit}-{sub.name}", sub.target, sub.description or sub.event)
    for consumer in manifest.stream_consumers:
        name = f"{unit}-{consumer.name}"
        yield Resource(FUNCTION, name, f"reads the {consumer.stream} stream")
        failed = consumer.on_failure or f"{name}-dlq"
        yield Resource(QUEUE, failed, f"{name}'s discarded batches")
    for machine in manifest.state_machines:
        yield Resource("AWS::StepFunctions::StateMachine", machine.name, machine.description)
    if manifest.http is not None:
        yield Resource(FUNCTION, f"{unit}-api", "the HTTP API's handler")
        routes = ", ".join(manifest.http.routes)
        yield Resource("AWS::ApiGatewayV2::Api", f"{unit}-api", routes)
    if manifest.lake is not None:
        for delivery in delivery_streams(catalog, manifest.lake):
            what = f"{delivery.event.ref} to {delivery.database}.{delivery.table}"
            yield Resource(RULE, delivery.rule, what)
            yield Resource("AWS::KinesisFirehose::DeliveryStream", delivery.name, what)


def _rule(name: str, target: Target, purpose: str) -> Iterator[Resource]:
    yield Resource(RULE, name, purpose)
    if target.kind == "queue":
        yield Resource(QUEUE, name, f"{name}'s work queue")
        yield Resource(QUEUE, f"{name}-dlq", f"{name}'s dead letters")
        if target.handler is not None:
            yield Resource(FUNCTION, f"{name}-consumer", target.handler)
    elif target.kind == "function":
        yield Resource(FUNCTION, name, str(target.handler))
        yield Resource(QUEUE, f"{name}-dlq", f"{name}'s failed invocations")


def _topic(unit: str, topic: TopicSpec) -> Iterator[Resource]:
    yield Resource(TOPIC, topic.name, topic.description)
    for sub in topic.subscriptions:
        name = f"{unit}-{topic.name}-{sub.name}"
        if sub.protocol == "sqs":
            yield Resource(QUEUE, name, sub.description or f"{topic.name} to a queue")
        else:
            yield Resource(FUNCTION, name, str(sub.handler))
        yield Resource(QUEUE, f"{name}-dlq", f"{name}'s dead letters")
