"""A service's stack, built from its manifest (``service.toml``): one rule on the shared bus per
subscription, with its queue and consumer function (or its function), the HTTP API and its
function, the service's tables, and the permission to put events with its own source only.

The shared bus is imported by name; nothing here refers to the platform's stack, so a service
deploys without the others. Names follow the local runtime's wiring: the rule, queue and
consumer of subscription ``reserve`` of service ``inventory`` are ``inventory-reserve``,
``inventory-reserve`` and ``inventory-reserve-consumer``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from ordermesh_contracts.catalog import Catalog
from ordermesh_contracts.manifest import ServiceManifest, Subscription
from ordermesh_contracts.routing import subscription_pattern

from ordermesh_cdk.app import DEFAULT_BUS_NAME, acknowledge
from ordermesh_cdk.function import ServiceFunction
from ordermesh_cdk.http_api import ServiceHttpApi
from ordermesh_cdk.messaging import WorkQueue, dead_letter_queue
from ordermesh_cdk.table import table_from_layout

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
    """A table of the service: ``environment`` names the variable its functions read."""

    environment: str
    layout: Mapping[str, Any]
    time_to_live_attribute: str | None = None


@dataclass(frozen=True)
class ServiceProps:
    manifest: ServiceManifest
    catalog: Catalog
    code: lambda_.Code
    bus_name: str = DEFAULT_BUS_NAME
    tables: Sequence[TableProps] = ()
    environment: Mapping[str, str] = field(default_factory=dict)


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
                _pascal(table.environment),
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
        self.functions: dict[str, ServiceFunction] = {}
        self.queues: dict[str, WorkQueue] = {}
        self.rules: dict[str, events.Rule] = {}
        for subscription in props.manifest.subscriptions:
            self._subscribe(subscription)
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

    # --- pieces -------------------------------------------------------------------------------
    def _function(
        self,
        name: str,
        *,
        handler: str,
        timeout: int,
        memory: int,
        description: str,
        dead_letter_queue: sqs.IQueue | None = None,
    ) -> ServiceFunction:
        function = ServiceFunction(
            self,
            _pascal(name),
            service=self.service,
            handler=handler,
            code=self.props.code,
            timeout_seconds=timeout,
            memory_mb=memory,
            description=f"{name}: {description}" if description else name,
            environment=self.function_environment,
            dead_letter_queue=dead_letter_queue,
        )
        self._grant_tables(function.role)
        self._grant_put_events(function.role)
        self.functions[name] = function
        return function

    def _grant_tables(self, role: iam.IRole) -> None:
        """Item reads and writes on the service's tables and their indexes, each by name."""
        resources = []
        for table_props in self.props.tables:
            table = self.tables[table_props.environment]
            resources.append(table.table_arn)
            resources += [
                f"{table.table_arn}/index/{index['IndexName']}"
                for index in table_props.layout.get("GlobalSecondaryIndexes", [])
            ]
        if resources:
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=list(TABLE_ACTIONS), resources=resources)
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
        self.rules[name] = self._rule(name, subscription, pattern)

    def _rule(self, name: str, subscription: Subscription, pattern: dict[str, Any]) -> events.Rule:
        spec = subscription.target
        description = subscription.description or f"{subscription.event} to {name}"
        if spec.kind == "queue":
            work = WorkQueue(
                self,
                _pascal(name) + "Queue",
                visibility_timeout_seconds=spec.visibility_timeout,
                max_receive_count=spec.max_receive_count,
                delay_seconds=spec.delay_seconds,
            )
            self.queues[name] = work
            consumer = self._function(
                f"{name}-consumer",
                handler=str(spec.handler),
                timeout=spec.timeout,
                memory=spec.memory,
                description=description,
            )
            consumer.function.add_event_source(
                sources.SqsEventSource(
                    work.queue,
                    batch_size=spec.batch_size,
                    max_batching_window=Duration.seconds(spec.batching_window)
                    if spec.batching_window
                    else None,
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
            target: events.IRuleTarget = targets.SqsQueue(
                work.queue, dead_letter_queue=self.delivery_dead_letters, retry_attempts=185
            )
        elif spec.kind == "function":
            function_dlq = dead_letter_queue(self, _pascal(name) + "DeadLetters")
            handler = self._function(
                name,
                handler=str(spec.handler),
                timeout=spec.timeout,
                memory=spec.memory,
                description=description,
                dead_letter_queue=function_dlq,
            )
            handler.function.configure_async_invoke(
                retry_attempts=spec.max_retry_attempts,
                max_event_age=Duration.seconds(spec.max_event_age),
            )
            target = targets.LambdaFunction(
                handler.function,
                dead_letter_queue=self.delivery_dead_letters,
                retry_attempts=185,
                max_event_age=Duration.hours(24),
            )
        else:
            message = f"{name}: a service subscribes with a queue or a function, not {spec.kind}"
            raise ValueError(message)
        rule = events.Rule(
            self,
            _pascal(name),
            event_bus=self.bus,
            event_pattern=_event_pattern(pattern),
            enabled=subscription.enabled,
            description=description[:512],
        )
        rule.add_target(target)
        return rule


def _event_pattern(pattern: Mapping[str, Any]) -> events.EventPattern:
    """The L2 pattern of ``pattern`` (EventBridge's JSON): its top-level fields by name, the rest
    (``detail``) as given."""
    return events.EventPattern(
        source=pattern.get("source"),
        detail_type=pattern.get("detail-type"),
        detail=pattern.get("detail"),
        account=pattern.get("account"),
        region=pattern.get("region"),
        resources=pattern.get("resources"),
    )


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))
