"""A service's stack, built from its manifest (``service.toml``): one rule on the shared bus per
subscription, with its queue and consumer function (or its function), its topics, a function per
stream consumer reading the platform's stream, the HTTP API and its function, the service's
tables, and the permission to put events with its own source only.

The shared bus is imported by name; nothing here refers to the platform's stack, so a service
deploys without the others. Names follow the local runtime's wiring: the rule, queue and
consumer of subscription ``reserve`` of service ``inventory`` are ``inventory-reserve``,
``inventory-reserve`` and ``inventory-reserve-consumer``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sns as sns
from constructs import Construct
from ordermesh_contracts.catalog import Catalog, load_catalog
from ordermesh_contracts.idempotency import DYNAMODB_TABLE, DYNAMODB_TTL_ATTRIBUTE
from ordermesh_contracts.manifest import (
    ServiceManifest,
    StreamConsumer,
    Subscription,
    Target,
    TopicSpec,
    load_manifest,
)
from ordermesh_contracts.resources import pascal
from ordermesh_contracts.routing import subscription_pattern

from ordermesh_cdk.alarms import Alarms, alarm_topic
from ordermesh_cdk.app import DEFAULT_BUS_NAME, acknowledge
from ordermesh_cdk.function import ServiceFunction
from ordermesh_cdk.http_api import ServiceHttpApi
from ordermesh_cdk.messaging import WorkQueue, dead_letter_queue
from ordermesh_cdk.rules import DELIVERY_MAX_EVENT_AGE, DELIVERY_RETRY_ATTEMPTS, pattern_rule
from ordermesh_cdk.streams import (
    ITERATOR_AGE_LIMIT_MS,
    ITERATOR_AGE_PERIODS,
    acknowledge_consumer,
    kinesis_source,
    on_failure_name,
    platform_stream,
)
from ordermesh_cdk.table import table_from_layout
from ordermesh_cdk.topics import ManifestTopic

TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)


@dataclass(frozen=True)
class TableProps:
    """A table of the service: ``environment`` names the variable its functions read;
    ``actions`` are the item actions its functions get (the ones its adapter calls)."""

    environment: str
    layout: Mapping[str, Any]
    time_to_live_attribute: str | None = None
    actions: Sequence[str] = TABLE_ACTIONS


IDEMPOTENCY_TABLE = TableProps("IDEMPOTENCY_TABLE", DYNAMODB_TABLE, DYNAMODB_TTL_ATTRIBUTE)
"""The table powertools' idempotency utility records in (a service's ``OncePerEvent``
consumers read its name from ``IDEMPOTENCY_TABLE``)."""


@dataclass(frozen=True)
class ServiceProps:
    manifest: ServiceManifest
    catalog: Catalog
    code: lambda_.Code
    bus_name: str = DEFAULT_BUS_NAME
    tables: Sequence[TableProps] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    # False when the unit's functions publish nothing themselves (the saga's state machine
    # puts its commands; its functions do not): they then get no events:PutEvents at all.
    functions_publish: bool = True

    @classmethod
    def of_folder(
        cls,
        folder: Path,
        *,
        code: lambda_.Code,
        tables: Sequence[TableProps] = (),
        environment: Mapping[str, str] | None = None,
    ) -> ServiceProps:
        """The props of the service in ``folder`` (its ``service.toml``), with the catalog."""
        catalog = load_catalog()
        return cls(
            manifest=load_manifest(folder / "service.toml", catalog),
            catalog=catalog,
            code=code,
            tables=tables,
            environment=dict(environment or {}),
        )


class ServiceStack(Stack):
    """The whole of one service in AWS."""

    def __init__(self, scope: Construct, construct_id: str, *, props: ServiceProps, **kwargs: Any):
        super().__init__(scope, construct_id, **kwargs)
        self.props = props
        self.service = props.manifest.service.name
        self.bus = events.EventBus.from_event_bus_name(self, "Bus", props.bus_name)
        self.tables: dict[str, dynamodb.TableV2] = {
            table.environment: table_from_layout(
                self,
                pascal(table.environment),
                table.layout,
                time_to_live_attribute=table.time_to_live_attribute,
            )
            for table in props.tables
        }
        self.function_environment = {
            "EVENT_BUS_NAME": props.bus_name,
            **{name: table.table_name for name, table in self.tables.items()},
            **props.environment,
        }
        # Deliveries EventBridge could not make (after its retries) land here.
        self.delivery_dead_letters = dead_letter_queue(self, "DeliveryDeadLetters")
        self.alarms = Alarms(self, "Alarms", topic=alarm_topic(self))
        self.alarms.dead_letters(
            "DeliveryDeadLetters", self.delivery_dead_letters, "events the bus could not deliver"
        )
        self.functions: dict[str, ServiceFunction] = {}
        self.queues: dict[str, WorkQueue] = {}
        self.rules: dict[str, events.Rule] = {}
        self.topics: dict[str, ManifestTopic] = {}
        for topic in props.manifest.topics:
            self._topic(topic)
        for spec in props.manifest.rules:
            name = f"{self.service}-{spec.name}"
            self.rules[name] = self._rule(
                name, spec.target, spec.pattern, spec.description, enabled=spec.enabled
            )
        for subscription in props.manifest.subscriptions:
            self._subscribe(subscription)
        for consumer in props.manifest.stream_consumers:
            self._stream_consumer(consumer)
        self.http_api: ServiceHttpApi | None = None
        if props.manifest.http is not None:
            api = self._function(
                f"{self.service}-api",
                handler=props.manifest.http.handler,
                timeout=props.manifest.http.timeout,
                memory=props.manifest.http.memory,
                description="the service's HTTP API",
            )
            acknowledge(
                api.function,
                {
                    "Serverless-LambdaDLQ": (
                        "API Gateway invokes the function synchronously: an error goes back to "
                        "the caller, there is no asynchronous event to keep"
                    )
                },
            )
            self.http_api = ServiceHttpApi(
                self,
                "HttpApi",
                service=self.service,
                routes=props.manifest.http.routes,
                function=api.function,
            )
            self.alarms.server_errors("HttpApi5xx", self.http_api.api, f"{self.service} HTTP API")

    def add_environment(self, name: str, value: str) -> None:
        """Set ``name`` in every function's environment (for a value made after the stack,
        such as a secret's ARN)."""
        self.function_environment[name] = value
        for function in self.functions.values():
            function.function.add_environment(name, value)

    # --- pieces -------------------------------------------------------------------------------
    def _function(
        self,
        name: str,
        *,
        handler: str,
        timeout: int,
        memory: int,
        description: str,
    ) -> ServiceFunction:
        function = ServiceFunction(
            self,
            pascal(name),
            service=self.service,
            handler=handler,
            code=self.props.code,
            timeout_seconds=timeout,
            memory_mb=memory,
            description=f"{name}: {description}" if description else name,
            environment=self.function_environment,
        )
        self.alarms.function_errors(pascal(name) + "Errors", function.function, name)
        self._grant_tables(function.role)
        if self.props.functions_publish:
            self._grant_put_events(function.role)
        self.functions[name] = function
        return function

    def _work_queue(  # noqa: PLR0913 - the queue's and its consumer's settings
        self,
        name: str,
        *,
        handler: str | None,
        timeout: int,
        memory: int,
        description: str,
        visibility_timeout: int,
        max_receive_count: int,
        delay_seconds: int = 0,
        batch_size: int = 10,
        batching_window: int = 0,
    ) -> WorkQueue:
        """The queue ``name`` with its dead-letter queue (alarmed) and, given a handler, its
        consumer ``<name>-consumer``."""
        work = WorkQueue(
            self,
            pascal(name) + "Queue",
            visibility_timeout_seconds=visibility_timeout,
            max_receive_count=max_receive_count,
            delay_seconds=delay_seconds,
        )
        self.queues[name] = work
        self.alarms.dead_letters(pascal(name) + "DeadLetters", work.dead_letter_queue, name)
        if handler is None:
            return work
        consumer = self._function(
            f"{name}-consumer",
            handler=handler,
            timeout=timeout,
            memory=memory,
            description=description,
        )
        consumer.function.add_event_source(
            sources.SqsEventSource(
                work.queue,
                batch_size=batch_size,
                max_batching_window=Duration.seconds(batching_window) if batching_window else None,
                report_batch_item_failures=True,
            )
        )
        acknowledge(
            consumer.function,
            {
                "Serverless-LambdaDLQ": (
                    "the function consumes a queue: failed messages go to that queue's "
                    "dead-letter queue"
                ),
                "Serverless-LambdaEventSourceMappingDestination": (
                    "SQS event source mappings take no on-failure destination; the queue's "
                    "redrive policy sends failures to its dead-letter queue"
                ),
            },
        )
        return work

    def _async_function(  # noqa: PLR0913 - the function's settings
        self,
        name: str,
        *,
        handler: str,
        timeout: int,
        memory: int,
        description: str,
        retry_attempts: int = 2,
        max_event_age: int = 21600,
    ) -> ServiceFunction:
        """A function invoked asynchronously: failures, after Lambda's retries (or grown too
        old), go with their error to an on-failure queue (alarmed)."""
        function_dlq = dead_letter_queue(self, pascal(name) + "DeadLetters")
        self.alarms.dead_letters(pascal(name) + "DeadLetters", function_dlq, name)
        function = self._function(
            name, handler=handler, timeout=timeout, memory=memory, description=description
        )
        function.function.configure_async_invoke(
            retry_attempts=retry_attempts,
            max_event_age=Duration.seconds(max_event_age),
            on_failure=destinations.SqsDestination(function_dlq),
        )
        acknowledge(
            function.function,
            {
                "Serverless-LambdaDLQ": (
                    "failed asynchronous invocations go to the on-failure destination, an "
                    "SQS queue with an alarm, which keeps the error with the event"
                )
            },
        )
        return function

    def _stream_consumer(self, spec: StreamConsumer) -> ServiceFunction:
        """``<service>-<name>``: the function reading the platform's stream ``spec.stream``,
        its on-failure queue (alarmed) and an alarm when it falls behind."""
        name = f"{self.service}-{spec.name}"
        failed = on_failure_name(self.service, spec)
        on_failure = dead_letter_queue(self, pascal(failed) + "DeadLetters")
        self.alarms.dead_letters(pascal(failed) + "DeadLetters", on_failure, failed)
        function = self._function(
            name,
            handler=spec.handler,
            timeout=spec.timeout,
            memory=spec.memory,
            description=f"reads the {spec.stream} stream",
        )
        function.function.add_event_source(
            kinesis_source(spec, platform_stream(self, spec.stream), on_failure)
        )
        acknowledge_consumer(function.function)
        self.alarms.iterator_age(
            pascal(name) + "IteratorAge",
            function.function,
            name,
            limit_ms=ITERATOR_AGE_LIMIT_MS,
            evaluation_periods=ITERATOR_AGE_PERIODS,
        )
        return function

    def _topic(self, spec: TopicSpec) -> None:
        """The topic, and each subscription's queue (and consumer) or function."""
        topic = ManifestTopic(self, pascal(spec.name) + "Topic", spec=spec)
        self.topics[spec.name] = topic
        self.alarms.dead_letters(
            pascal(spec.name) + "Undeliverable", topic.undeliverable, f"{spec.name} deliveries"
        )
        for subscription in spec.subscriptions:
            name = f"{self.service}-{spec.name}-{subscription.name}"
            description = subscription.description or f"{spec.name} to {name}"
            if subscription.protocol == "sqs":
                work = self._work_queue(
                    name,
                    handler=subscription.handler,
                    timeout=subscription.timeout,
                    memory=subscription.memory,
                    description=description,
                    visibility_timeout=subscription.visibility_timeout,
                    max_receive_count=subscription.max_receive_count,
                    batch_size=subscription.batch_size,
                )
                topic.subscribe_queue(subscription, work.queue)
            else:
                function = self._async_function(
                    name,
                    handler=str(subscription.handler),
                    timeout=subscription.timeout,
                    memory=subscription.memory,
                    description=description,
                )
                topic.subscribe_function(subscription, function.function)

    def _topic_named(self, name: str) -> sns.ITopic:
        """This unit's topic ``name``, or another unit's found by name."""
        if name in self.topics:
            return self.topics[name].topic
        arn = self.format_arn(service="sns", resource=name)
        return sns.Topic.from_topic_arn(self, pascal(name) + "ImportedTopic", arn)

    def _grant_tables(self, role: iam.IRole) -> None:
        """Each table's item actions on it and its indexes, each by name."""
        for table_props in self.props.tables:
            table = self.tables[table_props.environment]
            resources = [table.table_arn]
            resources += [
                f"{table.table_arn}/index/{index['IndexName']}"
                for index in table_props.layout.get("GlobalSecondaryIndexes", [])
            ]
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=list(table_props.actions), resources=resources)
            )

    def _grant_put_events(self, role: iam.IRole) -> None:
        """PutEvents on the shared bus, for entries with this service's ``source`` only."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["events:PutEvents"],
                resources=[self.bus.event_bus_arn],
                conditions={
                    "StringEquals": {"events:source": [self.props.manifest.service.source]}
                },
            )
        )

    def _subscribe(self, subscription: Subscription) -> None:
        name = f"{self.service}-{subscription.name}"
        pattern = subscription_pattern(self.props.catalog, subscription)
        description = subscription.description or f"{subscription.event} to {name}"
        self.rules[name] = self._rule(
            name, subscription.target, pattern, description, enabled=subscription.enabled
        )

    def _rule(
        self,
        name: str,
        spec: Target,
        pattern: Mapping[str, Any],
        description: str,
        *,
        enabled: bool,
    ) -> events.Rule:
        description = description or name
        if spec.kind == "queue":
            work = self._work_queue(
                name,
                handler=spec.handler,
                timeout=spec.timeout,
                memory=spec.memory,
                description=description,
                visibility_timeout=spec.visibility_timeout,
                max_receive_count=spec.max_receive_count,
                delay_seconds=spec.delay_seconds,
                batch_size=spec.batch_size,
                batching_window=spec.batching_window,
            )
            target: events.IRuleTarget = targets.SqsQueue(
                work.queue,
                dead_letter_queue=self.delivery_dead_letters,
                retry_attempts=DELIVERY_RETRY_ATTEMPTS,
            )
        elif spec.kind == "function":
            handler = self._async_function(
                name,
                handler=str(spec.handler),
                timeout=spec.timeout,
                memory=spec.memory,
                description=description,
                retry_attempts=spec.max_retry_attempts,
                max_event_age=spec.max_event_age,
            )
            target = targets.LambdaFunction(
                handler.function,
                dead_letter_queue=self.delivery_dead_letters,
                retry_attempts=DELIVERY_RETRY_ATTEMPTS,
                max_event_age=DELIVERY_MAX_EVENT_AGE,
            )
        elif spec.kind == "topic":
            target = targets.SnsTopic(
                self._topic_named(str(spec.name)),
                dead_letter_queue=self.delivery_dead_letters,
                retry_attempts=DELIVERY_RETRY_ATTEMPTS,
                max_event_age=DELIVERY_MAX_EVENT_AGE,
            )
        else:
            message = (
                f"{name}: a service's rule targets a queue, a function or a topic, not {spec.kind}"
            )
            raise ValueError(message)
        rule = pattern_rule(
            self,
            pascal(name) + "Rule",
            bus=self.bus,
            pattern=pattern,
            enabled=enabled,
            description=description,
        )
        rule.add_target(target)
        return rule
