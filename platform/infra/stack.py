"""The platform stack: shared infrastructure every service stands on.

The bus (with its archive, its resource policy and a dead-letter queue for the platform's rule
targets), the schema registry, the analytics stream and the rule feeding it, the data lake, the
alarm topic every unit's alarms notify, the platform's own alarms and the dashboard. Names other
units use are fixed (the bus ``ordermesh``, the topic ``ordermesh-alarms``) and published as SSM
parameters under ``/ordermesh/platform/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct
from ordermesh_cdk.alarms import Alarms
from ordermesh_cdk.app import DEFAULT_BUS_NAME, acknowledge
from ordermesh_cdk.messaging import dead_letter_queue
from ordermesh_cdk.rules import DELIVERY_MAX_EVENT_AGE, DELIVERY_RETRY_ATTEMPTS, pattern_rule
from ordermesh_cdk.streams import PLATFORM_PARAMETERS
from ordermesh_contracts.catalog import Catalog, load_catalog
from ordermesh_contracts.lake import delivery_streams
from ordermesh_contracts.manifest import ServiceManifest, load_manifest
from ordermesh_contracts.resources import ALARM_TOPIC_NAME, pascal

from infra.dashboard import platform_dashboard
from infra.lake import DataLake, named_queries
from infra.schema_registry import EventSchemaRegistry

HERE = Path(__file__).resolve().parents[1]
MANIFEST = HERE / "platform.toml"
ARCHIVE_RETENTION = Duration.days(365)
ITERATOR_AGE_LIMIT_MS = 60_000
SOURCE_PREFIX = "ordermesh."


class PlatformStack(Stack):
    def __init__(  # noqa: PLR0913 - keyword-only props, as the construct style asks
        self,
        scope: Construct,
        construct_id: str,
        *,
        registry_name: str = "ordermesh",
        bus_name: str = DEFAULT_BUS_NAME,
        producer_accounts: Sequence[str] = (),
        catalog: Catalog | None = None,
        manifest: ServiceManifest | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        catalog = (catalog or load_catalog()).raise_for_problems()
        manifest = manifest or load_manifest(MANIFEST)
        self.key = kms.Key(
            self,
            "DataKey",
            alias="alias/ordermesh-data",
            description="ordermesh: the analytics stream, the data lake and query results",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.bus = self._bus(bus_name, producer_accounts)
        # Deliveries the platform's rules could not make (after EventBridge's retries).
        self.delivery_dead_letters = dead_letter_queue(self, "DeliveryDeadLetters")
        self.schema_registry = EventSchemaRegistry(
            self, "Schemas", registry_name=registry_name, catalog=catalog
        )
        self.topic = self._alarm_topic()
        self.streams = {
            spec.name: kinesis.Stream(
                self,
                pascal(spec.name) + "Stream",
                stream_name=spec.name,
                stream_mode=kinesis.StreamMode.ON_DEMAND,
                encryption=kinesis.StreamEncryption.KMS,
                encryption_key=self.key,
                retention_period=Duration.hours(spec.retention_hours),
            )
            for spec in manifest.streams
        }
        self.feeds: dict[str, events.Rule] = {}
        for spec in manifest.rules:
            if spec.target.kind != "stream":
                continue  # the saga's rules deploy with the saga (infra.saga)
            rule = pattern_rule(
                self,
                pascal(spec.name) + "Rule",
                bus=self.bus,
                pattern=spec.pattern,
                description=spec.description or spec.name,
                enabled=spec.enabled,
            )
            rule.add_target(
                targets.KinesisStream(
                    self.streams[str(spec.target.name)],
                    partition_key_path=spec.target.partition_key_path,
                    dead_letter_queue=self.delivery_dead_letters,
                    retry_attempts=DELIVERY_RETRY_ATTEMPTS,
                    max_event_age=DELIVERY_MAX_EVENT_AGE,
                )
            )
            self.feeds[spec.name] = rule
        for stream in self.streams.values():
            acknowledge(
                stream,
                {
                    "AwsSolutions-KDS3": (
                        "the stream is encrypted with the platform's customer-managed key "
                        "(rotated yearly), so its key policy is ours"
                    ),
                    # EventBridge's role for the feed rule, made by CDK's stream grant
                    **{
                        f"AwsSolutions-IAM5[Action::kms:{action}]": (
                            "CDK's grant to write the stream names the KMS data-key actions "
                            "with a wildcard; they are granted on the stream's key only"
                        )
                        for action in ("GenerateDataKey*", "ReEncrypt*")
                    },
                },
            )
        if manifest.lake is None:
            raise ValueError(f"{manifest.path or 'the platform manifest'}: no [lake] section")
        self.lake = DataLake(
            self,
            "Lake",
            spec=manifest.lake,
            streams=delivery_streams(catalog, manifest.lake),
            queries=named_queries(manifest.lake, manifest.path),
            bus=self.bus,
            key=self.key,
            delivery_dead_letters=self.delivery_dead_letters,
        )
        self.alarms = Alarms(self, "Alarms", topic=self.topic)
        self.alarms.dead_letters(
            "DeliveryDeadLetters", self.delivery_dead_letters, "platform rule deliveries"
        )
        for name, stream in self.streams.items():
            self.alarms.at_least(
                pascal(name) + "IteratorAge",
                stream.metric_get_records_iterator_age_milliseconds(
                    period=Duration.minutes(1), statistic="Maximum"
                ),
                f"{name}: its oldest unread record is more than 60 s old",
                threshold=ITERATOR_AGE_LIMIT_MS,
                evaluation_periods=3,
            )
        self.dashboard = platform_dashboard(self, "Dashboard", streams=self.streams)
        self._parameters()

    def _bus(self, bus_name: str, producer_accounts: Sequence[str]) -> events.EventBus:
        bus = events.EventBus(
            self,
            "Bus",
            event_bus_name=bus_name,
            description="ordermesh: every service's events and the saga's commands",
        )
        bus.archive(
            "Archive",
            archive_name=f"{bus_name}-all",
            description="Every event on the bus, for replay",
            event_pattern=events.EventPattern(account=[Aws.ACCOUNT_ID]),
            retention=ARCHIVE_RETENTION,
        )
        bus.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ProducerAccountsPutOrdermeshEvents",
                principals=[
                    iam.AccountRootPrincipal(),
                    *(iam.AccountPrincipal(account) for account in producer_accounts),
                ],
                actions=["events:PutEvents"],
                resources=[bus.event_bus_arn],
                conditions={"StringLike": {"events:source": f"{SOURCE_PREFIX}*"}},
            )
        )
        bus.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyOrdermeshSources",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["events:PutEvents"],
                resources=[bus.event_bus_arn],
                conditions={"StringNotLike": {"events:source": f"{SOURCE_PREFIX}*"}},
            )
        )
        return bus

    def _alarm_topic(self) -> sns.Topic:
        key = kms.Key(
            self,
            "AlarmKey",
            alias="alias/ordermesh-alarms",
            description="ordermesh: the alarm topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # CloudWatch publishes alarms to the encrypted topic.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
        return sns.Topic(
            self,
            "AlarmTopic",
            topic_name=ALARM_TOPIC_NAME,
            display_name="ordermesh alarms",
            master_key=key,
            enforce_ssl=True,
        )

    def _parameters(self) -> None:
        for name, value in {
            "event-bus-name": self.bus.event_bus_name,
            "event-bus-arn": self.bus.event_bus_arn,
            "alarm-topic-arn": self.topic.topic_arn,
            **{f"stream-arn/{n}": s.stream_arn for n, s in self.streams.items()},
            # the key a stream's consumers decrypt with (ordermesh_cdk.streams finds it here)
            **{f"stream-key-arn/{n}": self.key.key_arn for n in self.streams},
        }.items():
            ssm.StringParameter(
                self,
                pascal(name) + "Param",
                parameter_name=f"{PLATFORM_PARAMETERS}/{name}",
                string_value=value,
                description=f"ordermesh platform: {name}",
            )
