"""The data lake: every event version lands as Parquet in its own prefix of an S3 bucket
(``events/event=<Name>/version=<N>/date=<YYYY-MM-DD>/``), described by a Glue table generated
from its contract and queried through an Athena workgroup with named queries.

Firehose's record format conversion takes one Glue table's schema per delivery stream, so each
event version has its own delivery stream, fed by a rule with that version's pattern. The streams,
their rules, prefixes, buffering and table columns are declared once
(``ordermesh_contracts.lake.delivery_streams``, from the platform manifest's ``[lake]``): the
local runtime runs the same ones. Its Parquet columns are then the contract's fields, typed,
instead of one JSON string per event. The Kinesis stream carries every
event, in order per correlation id, for live consumers (the analytics service).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jsii
from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_events as events
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces.aws_events import IRuleRef
from constructs import Construct
from ordermesh_cdk.app import acknowledge
from ordermesh_cdk.rules import DELIVERY_MAX_EVENT_AGE, DELIVERY_RETRY_ATTEMPTS, pattern_rule
from ordermesh_contracts.catalog import EventKey
from ordermesh_contracts.lake import DeliveryStream
from ordermesh_contracts.lake_queries import NamedQuery, load_queries
from ordermesh_contracts.lake_schema import JSON_KEY_MAPPINGS, table_name
from ordermesh_contracts.manifest import LakeSpec
from ordermesh_contracts.resources import pascal

WORKGROUP = "ordermesh"
KEEP_FOR = Duration.days(7 * 365 + 2)  # seven years, leap days included
INFREQUENT_ACCESS_AFTER = Duration.days(30)
GLACIER_AFTER = Duration.days(90)
BYTES_SCANNED_CUTOFF = 10 * 1024**3  # per query
PROJECTION_START = "2026-01-01"


def named_queries(spec: LakeSpec, manifest: Path | None) -> list[NamedQuery]:
    """The workgroup's saved queries: the Athena SQL files of the manifest's queries folder."""
    return load_queries(spec.queries_path(manifest))


def secure_bucket(
    scope: Construct,
    construct_id: str,
    *,
    key: kms.IKey | None,
    access_logs: s3.IBucket | None,
    purpose: str,
) -> s3.Bucket:
    """A bucket with public access blocked, TLS only, versioning and the lake's lifecycle
    (infrequent access after 30 days, Glacier after 90, deleted after seven years). ``key``:
    KMS-encrypted with it (else S3-managed keys); ``access_logs``: where its access logs go."""
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.KMS if key is not None else s3.BucketEncryption.S3_MANAGED,
        encryption_key=key,
        bucket_key_enabled=key is not None,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=f"{purpose}/" if access_logs is not None else None,
        removal_policy=RemovalPolicy.RETAIN,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="tiering-and-retention",
                transitions=[
                    s3.Transition(
                        storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                        transition_after=INFREQUENT_ACCESS_AFTER,
                    ),
                    s3.Transition(
                        storage_class=s3.StorageClass.GLACIER, transition_after=GLACIER_AFTER
                    ),
                ],
                expiration=KEEP_FOR,
                noncurrent_version_expiration=Duration.days(30),
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )
        ],
    )


@jsii.implements(events.IRuleTarget)
class _LakeDelivery:
    """A delivery stream as a rule target, put to with ``role``, with EventBridge's retries for
    a day and a dead-letter queue for what still fails (CDK's Firehose target has neither)."""

    def __init__(self, stream_arn: str, role: iam.IRole, dead_letters: sqs.IQueue) -> None:
        self._stream_arn = stream_arn
        self._role = role
        self._dead_letters = dead_letters

    def bind(self, _rule: IRuleRef, _id: str | None = None) -> events.RuleTargetConfig:
        return events.RuleTargetConfig(
            arn=self._stream_arn,
            role=self._role,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(
                arn=self._dead_letters.queue_arn
            ),
            retry_policy=events.CfnRule.RetryPolicyProperty(
                maximum_retry_attempts=DELIVERY_RETRY_ATTEMPTS,
                maximum_event_age_in_seconds=int(DELIVERY_MAX_EVENT_AGE.to_seconds()),
            ),
        )


class DataLake(Construct):
    """The lake bucket, one Glue table and one delivery stream (with its rule) per declared
    stream (one per event version), and the Athena workgroup with its results bucket and named
    queries (one per SQL file of the lake's queries folder)."""

    def __init__(  # noqa: PLR0913 - keyword-only props, as the construct style asks
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: LakeSpec,
        streams: list[DeliveryStream],
        queries: Sequence[NamedQuery],
        bus: events.IEventBus,
        key: kms.IKey,
        delivery_dead_letters: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.database_name = spec.database
        # Server access logs are delivered under a bucket policy, not the log-delivery ACL.
        self.node.set_context("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", value=True)
        self.key = key
        self.access_logs = secure_bucket(
            self, "AccessLogs", key=None, access_logs=None, purpose="access-logs"
        )
        acknowledge(
            self.access_logs,
            {
                "AwsSolutions-S1": (
                    "this bucket receives the other buckets' server access logs; logging it "
                    "into itself would loop"
                )
            },
        )
        self.bucket = secure_bucket(
            self, "Bucket", key=key, access_logs=self.access_logs, purpose="lake"
        )
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=Aws.ACCOUNT_ID,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=spec.database, description="ordermesh events, one table per event version"
            ),
        )
        self.firehose_logs = logs.LogGroup(
            self,
            "DeliveryLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.delivery_role = iam.Role(
            self,
            "DeliveryRole",
            assumed_by=iam.ServicePrincipal(
                "firehose.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            ),
            description="Firehose: write the lake's Parquet files, read their Glue schemas",
        )
        self.put_role = iam.Role(
            self,
            "PutRole",
            assumed_by=iam.ServicePrincipal(
                "events.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            ),
            description="EventBridge: put each event version's events to its delivery stream",
        )
        self.tables: dict[EventKey, glue.CfnTable] = {}
        self.delivery_streams: dict[EventKey, firehose.CfnDeliveryStream] = {}
        self.rules: dict[EventKey, events.Rule] = {}
        for declared in streams:
            event_key = declared.event
            table = self._table(declared)
            stream = self._delivery_stream(declared, table)
            self.tables[event_key] = table
            self.delivery_streams[event_key] = stream
            rule = pattern_rule(
                self,
                f"{event_key.detail_type}V{event_key.version}Rule",
                bus=bus,
                pattern=declared.pattern,
                description=f"{event_key} to the data lake",
            )
            rule.add_target(_LakeDelivery(stream.attr_arn, self.put_role, delivery_dead_letters))
            self.rules[event_key] = rule
        self.put_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["firehose:PutRecord", "firehose:PutRecordBatch"],
                resources=[stream.attr_arn for stream in self.delivery_streams.values()],
            )
        )
        delivery_dead_letters.add_to_resource_policy(
            iam.PolicyStatement(
                sid="LakeRulesDeadLetters",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[delivery_dead_letters.queue_arn],
                conditions={
                    "ArnEquals": {"aws:SourceArn": [r.rule_arn for r in self.rules.values()]}
                },
            )
        )
        self._grant_delivery()
        self._athena(queries)

    def _table(self, spec: DeliveryStream) -> glue.CfnTable:
        event_key, name = spec.event, spec.table
        location = self.bucket.s3_url_for_object(spec.location)
        table = glue.CfnTable(
            self,
            f"{event_key.detail_type}V{event_key.version}Table",
            catalog_id=Aws.ACCOUNT_ID,
            database_name=spec.database,
            table_input=glue.CfnTable.TableInputProperty(
                name=name,
                description=f"{event_key} (contract version {event_key.version})"[:2048],
                table_type="EXTERNAL_TABLE",
                parameters={
                    "classification": "parquet",
                    "projection.enabled": "true",
                    "projection.date.type": "date",
                    "projection.date.format": "yyyy-MM-dd",
                    "projection.date.range": f"{PROJECTION_START},NOW",
                    "projection.date.interval": "1",
                    "projection.date.interval.unit": "DAYS",
                    "storage.location.template": f"{location}date=${{date}}/",
                    "ordermesh.source": event_key.source,
                    "ordermesh.detail-type": event_key.detail_type,
                    "ordermesh.version": str(event_key.version),
                },
                partition_keys=[
                    glue.CfnTable.ColumnProperty(
                        name="date", type="string", comment="delivery day (UTC), YYYY-MM-DD"
                    )
                ],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    columns=[
                        glue.CfnTable.ColumnProperty(
                            name=c["Name"], type=c["Type"], comment=c.get("Comment")
                        )
                        for c in spec.columns
                    ],
                    location=location,
                    input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library=(
                            "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                        )
                    ),
                ),
            ),
        )
        table.node.add_dependency(self.database)
        return table

    def _delivery_stream(
        self, spec: DeliveryStream, table: glue.CfnTable
    ) -> firehose.CfnDeliveryStream:
        suffix = f"{spec.event.detail_type}V{spec.event.version}"
        stream = firehose.CfnDeliveryStream(
            self,
            f"{suffix}Delivery",
            delivery_stream_name=spec.name,
            delivery_stream_type="DirectPut",
            delivery_stream_encryption_configuration_input=firehose.CfnDeliveryStream.DeliveryStreamEncryptionConfigurationInputProperty(
                key_type="CUSTOMER_MANAGED_CMK", key_arn=self.key.key_arn
            ),
            extended_s3_destination_configuration=firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty(
                bucket_arn=self.bucket.bucket_arn,
                role_arn=self.delivery_role.role_arn,
                prefix=spec.prefix,
                error_output_prefix=spec.error_output_prefix,
                buffering_hints=firehose.CfnDeliveryStream.BufferingHintsProperty(
                    size_in_m_bs=spec.buffering.size_mb,
                    interval_in_seconds=spec.buffering.interval_seconds,
                ),
                compression_format="UNCOMPRESSED",  # Parquet compresses its pages (Snappy)
                encryption_configuration=firehose.CfnDeliveryStream.EncryptionConfigurationProperty(
                    kms_encryption_config=firehose.CfnDeliveryStream.KMSEncryptionConfigProperty(
                        awskms_key_arn=self.key.key_arn
                    )
                ),
                cloud_watch_logging_options=firehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty(
                    enabled=True,
                    log_group_name=self.firehose_logs.log_group_name,
                    log_stream_name=suffix,
                ),
                data_format_conversion_configuration=firehose.CfnDeliveryStream.DataFormatConversionConfigurationProperty(
                    enabled=True,
                    input_format_configuration=firehose.CfnDeliveryStream.InputFormatConfigurationProperty(
                        deserializer=firehose.CfnDeliveryStream.DeserializerProperty(
                            open_x_json_ser_de=firehose.CfnDeliveryStream.OpenXJsonSerDeProperty(
                                column_to_json_key_mappings=dict(JSON_KEY_MAPPINGS)
                            )
                        )
                    ),
                    output_format_configuration=firehose.CfnDeliveryStream.OutputFormatConfigurationProperty(
                        serializer=firehose.CfnDeliveryStream.SerializerProperty(
                            parquet_ser_de=firehose.CfnDeliveryStream.ParquetSerDeProperty(
                                compression="SNAPPY"
                            )
                        )
                    ),
                    schema_configuration=firehose.CfnDeliveryStream.SchemaConfigurationProperty(
                        catalog_id=Aws.ACCOUNT_ID,
                        database_name=spec.database,
                        table_name=spec.table,
                        region=Aws.REGION,
                        role_arn=self.delivery_role.role_arn,
                        version_id="LATEST",
                    ),
                ),
            ),
        )
        stream.node.add_dependency(table)
        stream.node.add_dependency(self.delivery_role)
        return stream

    def _grant_delivery(self) -> None:
        """What Firehose needs to write the Parquet files and read their schemas, by name."""
        stack = Stack.of(self)
        database = self.database_name
        role = self.delivery_role
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "s3:AbortMultipartUpload",
                    "s3:GetBucketLocation",
                    "s3:GetObject",
                    "s3:ListBucket",
                    "s3:ListBucketMultipartUploads",
                    "s3:PutObject",
                ],
                resources=[
                    self.bucket.bucket_arn,
                    self.bucket.arn_for_objects("events/*"),
                    self.bucket.arn_for_objects("errors/*"),
                ],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
                resources=[self.key.key_arn],
            )
        )
        self.firehose_logs.grant_write(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"],
                resources=[
                    stack.format_arn(service="glue", resource="catalog"),
                    stack.format_arn(
                        service="glue", resource="database", resource_name=self.database_name
                    ),
                    *(
                        stack.format_arn(
                            service="glue",
                            resource="table",
                            resource_name=f"{database}/{table_name(k.detail_type, k.version)}",
                        )
                        for k in self.tables
                    ),
                ],
            )
        )
        bucket = stack.get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            role,
            {
                f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/{prefix}/*]": (
                    f"Firehose writes objects of its own naming under the lake's {prefix}/ prefix"
                )
                for prefix in ("events", "errors")
            },
        )

    def _athena(self, queries: Sequence[NamedQuery]) -> None:
        self.results = secure_bucket(
            self, "QueryResults", key=self.key, access_logs=self.access_logs, purpose="athena"
        )
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=WORKGROUP,
            description="ordermesh data lake queries",
            recursive_delete_option=False,
            state="ENABLED",
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=BYTES_SCANNED_CUTOFF,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version="Athena engine version 3"
                ),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=self.results.s3_url_for_object("results/"),
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=self.key.key_arn
                    ),
                ),
            ),
        )
        self.queries: dict[str, athena.CfnNamedQuery] = {}
        for query in queries:
            named = athena.CfnNamedQuery(
                self,
                pascal(query.name) + "Query",
                name=query.name,
                description=query.description,
                database=self.database_name,
                query_string=query.text,  # the header says what the parameters mean
                work_group=self.workgroup.ref,
            )
            named.node.add_dependency(self.workgroup)
            self.queries[query.name] = named
