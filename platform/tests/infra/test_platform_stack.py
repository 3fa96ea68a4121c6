"""The platform's stacks: given the contracts and the platform manifest, when synthesized, then
the bus keeps and guards every event, the stream and the lake take every event version, the
lake's buckets protect and keep the data, the saga runs the ASL file the local runtime runs,
alarms and the dashboard watch it all, and the catalog lists what the two stacks create. The app
synthesizes with cdk-nag and cfn-lint."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from app import build_app, code
from infra.dashboard import SAGA_STATE_MACHINE_NAME
from infra.lake import KEEP_FOR, named_queries
from infra.saga import SagaStack, saga_manifest
from infra.stack import MANIFEST, PlatformStack
from ordermesh_cdk.assertions import put_events_sources, statements, wildcard_problems
from ordermesh_cdk.service import ServiceStack
from ordermesh_cdk.streams import stream_key_parameter
from ordermesh_cdk.synth import cfn_lint_errors
from ordermesh_cdk.testing import CatalogUnit, ServiceStackTests, resources
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.lake import delivery_streams
from ordermesh_contracts.lake_schema import columns, event_prefix, table_name
from ordermesh_contracts.manifest import load_manifest
from ordermesh_contracts.resources import ALARM_TOPIC_NAME
from ordermesh_contracts.routing import version_pattern

ROOT = Path(__file__).resolve().parents[3]
CATALOG = load_catalog()
MANIFEST_SPEC = load_manifest(MANIFEST)


@pytest.fixture(scope="module")
def platform() -> dict[str, Any]:
    stack = PlatformStack(cdk.App(), "Platform")
    return dict(cdk.assertions.Template.from_stack(stack).to_json())


# --- the bus ----------------------------------------------------------------------------------
def test_the_bus_is_archived_a_year_and_takes_only_ordermesh_sources(
    platform: dict[str, Any],
) -> None:
    (bus,) = resources(platform, "AWS::Events::EventBus").values()
    assert bus["Name"] == "ordermesh"
    (archive,) = resources(platform, "AWS::Events::Archive").values()
    assert archive["RetentionDays"] == 365
    policy = [p["Statement"] for p in resources(platform, "AWS::Events::EventBusPolicy").values()]
    (deny,) = [s for s in policy if s["Effect"] == "Deny"]
    assert deny["Principal"] == {"AWS": "*"}
    assert deny["Action"] == "events:PutEvents"
    assert deny["Condition"] == {"StringNotLike": {"events:source": "ordermesh.*"}}
    (allow,) = [s for s in policy if s["Effect"] == "Allow"]
    assert allow["Condition"] == {"StringLike": {"events:source": "ordermesh.*"}}


def test_every_rule_target_has_retries_and_a_dead_letter_queue(platform: dict[str, Any]) -> None:
    rules = list(resources(platform, "AWS::Events::Rule").values())
    # the analytics feed, and one rule per event version into the lake
    assert len(rules) == 1 + len(CATALOG.contracts)
    for rule in rules:
        assert rule["EventBusName"] == {
            "Ref": next(iter(resources(platform, "AWS::Events::EventBus")))
        }
        (target,) = rule["Targets"]
        assert "Arn" in target["DeadLetterConfig"]
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == 185


# --- the stream -------------------------------------------------------------------------------
def test_every_ordermesh_event_feeds_the_on_demand_encrypted_stream(
    platform: dict[str, Any],
) -> None:
    (stream,) = resources(platform, "AWS::Kinesis::Stream").values()
    assert stream["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert stream["StreamEncryption"]["EncryptionType"] == "KMS"
    (feed_spec,) = [r for r in MANIFEST_SPEC.rules if r.target.kind == "stream"]
    (feed,) = [
        r
        for r in resources(platform, "AWS::Events::Rule").values()
        if r["EventPattern"] == feed_spec.pattern
    ]
    (target,) = feed["Targets"]
    assert target["KinesisParameters"] == {"PartitionKeyPath": feed_spec.target.partition_key_path}


# --- the lake ---------------------------------------------------------------------------------
def test_each_event_version_has_a_glue_table_generated_from_its_contract(
    platform: dict[str, Any],
) -> None:
    tables = {
        t["TableInput"]["Name"]: t["TableInput"]
        for t in resources(platform, "AWS::Glue::Table").values()
    }
    assert len(tables) == len(CATALOG.contracts)
    for key, contract in CATALOG.contracts.items():
        table = tables[table_name(key.detail_type, key.version)]
        described = table["StorageDescriptor"]["Columns"]
        assert [(c["Name"], c["Type"]) for c in described] == [
            (c["Name"], c["Type"]) for c in columns(contract.bundled)
        ]
        assert table["PartitionKeys"] == [
            {"Name": "date", "Type": "string", "Comment": "delivery day (UTC), YYYY-MM-DD"}
        ]
        assert table["Parameters"]["projection.enabled"] == "true"
        location = json.dumps(table["StorageDescriptor"]["Location"])
        assert event_prefix(key.detail_type, key.version) in location


def test_the_delivery_streams_are_the_declared_ones_with_their_buffering_and_prefixes(
    platform: dict[str, Any],
) -> None:
    assert MANIFEST_SPEC.lake is not None
    declared = {s.name: s for s in delivery_streams(CATALOG, MANIFEST_SPEC.lake)}
    streams = resources(platform, "AWS::KinesisFirehose::DeliveryStream").values()
    assert sorted(s["DeliveryStreamName"] for s in streams) == sorted(declared)
    for stream in streams:
        spec = declared[stream["DeliveryStreamName"]]
        s3 = stream["ExtendedS3DestinationConfiguration"]
        assert s3["BufferingHints"] == {
            "SizeInMBs": spec.buffering.size_mb,
            "IntervalInSeconds": spec.buffering.interval_seconds,
        }
        assert (s3["Prefix"], s3["ErrorOutputPrefix"]) == (spec.prefix, spec.error_output_prefix)
        schema = s3["DataFormatConversionConfiguration"]["SchemaConfiguration"]
        assert schema["TableName"] == spec.table


def test_each_event_version_is_delivered_as_parquet_under_its_event_and_date(
    platform: dict[str, Any],
) -> None:
    streams = list(resources(platform, "AWS::KinesisFirehose::DeliveryStream").values())
    assert len(streams) == len(CATALOG.contracts)
    prefixes = set()
    for stream in streams:
        assert stream["DeliveryStreamEncryptionConfigurationInput"]["KeyType"] == (
            "CUSTOMER_MANAGED_CMK"
        )
        s3 = stream["ExtendedS3DestinationConfiguration"]
        conversion = s3["DataFormatConversionConfiguration"]
        assert conversion["Enabled"] is True
        assert "ParquetSerDe" in conversion["OutputFormatConfiguration"]["Serializer"]
        schema = conversion["SchemaConfiguration"]
        assert schema["DatabaseName"] == "ordermesh_lake"
        assert (
            s3["Prefix"] == f"{event_prefix_of(schema['TableName'])}date=!{{timestamp:yyyy-MM-dd}}/"
        )
        prefixes.add(s3["Prefix"])
    assert len(prefixes) == len(streams)
    delivery_ids = set(resources(platform, "AWS::KinesisFirehose::DeliveryStream"))
    lake_patterns = sorted(
        json.dumps(r["EventPattern"], sort_keys=True)
        for r in resources(platform, "AWS::Events::Rule").values()
        if r["Targets"][0]["Arn"]["Fn::GetAtt"][0] in delivery_ids
    )
    assert lake_patterns == sorted(
        json.dumps(version_pattern(c), sort_keys=True) for c in CATALOG.contracts.values()
    )


def event_prefix_of(table: str) -> str:
    (key,) = [k for k in CATALOG.contracts if table_name(k.detail_type, k.version) == table]
    return event_prefix(key.detail_type, key.version)


def test_buckets_block_public_access_require_tls_and_keep_data_seven_years(
    platform: dict[str, Any],
) -> None:
    buckets = resources(platform, "AWS::S3::Bucket")
    assert len(buckets) == 3  # the lake, the query results and the access logs
    for bucket in buckets.values():
        assert bucket["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
        (rule,) = bucket["LifecycleConfiguration"]["Rules"]
        assert rule["ExpirationInDays"] == KEEP_FOR.to_days()
        assert [(t["StorageClass"], t["TransitionInDays"]) for t in rule["Transitions"]] == [
            ("STANDARD_IA", 30),
            ("GLACIER", 90),
        ]
    tls_denied = {
        json.dumps(p["Bucket"])
        for p in resources(platform, "AWS::S3::BucketPolicy").values()
        for s in p["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    }
    assert tls_denied == {json.dumps({"Ref": b}) for b in buckets}
    keys = resources(platform, "AWS::KMS::Key")
    assert len(keys) == 2  # the data key and the alarm topic's
    assert all(k["EnableKeyRotation"] is True for k in keys.values())


def test_athena_results_are_encrypted_scans_are_capped_and_queries_name_real_tables(
    platform: dict[str, Any],
) -> None:
    (workgroup,) = resources(platform, "AWS::Athena::WorkGroup").values()
    config = workgroup["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["BytesScannedCutoffPerQuery"] == 10 * 1024**3
    encryption = config["ResultConfiguration"]["EncryptionConfiguration"]
    assert encryption["EncryptionOption"] == "SSE_KMS"
    queries = resources(platform, "AWS::Athena::NamedQuery")
    tables = {t["TableInput"]["Name"] for t in resources(platform, "AWS::Glue::Table").values()}
    for query in queries.values():
        named = {w.strip('",();') for w in query["QueryString"].split()} & tables
        assert query["Database"] == "ordermesh_lake"
        assert named, f"{query['Name']} names no table of the lake"


def test_every_query_file_is_a_named_query_with_its_description_and_sql(
    platform: dict[str, Any],
) -> None:
    assert MANIFEST_SPEC.lake is not None
    files = named_queries(MANIFEST_SPEC.lake, MANIFEST)
    assert len(files) >= 10
    deployed = {q["Name"]: q for q in resources(platform, "AWS::Athena::NamedQuery").values()}
    assert sorted(deployed) == sorted(q.name for q in files)
    for query in files:
        assert deployed[query.name]["Description"] == query.description
        assert deployed[query.name]["QueryString"] == query.path.read_text(encoding="utf-8")
        assert deployed[query.name]["WorkGroup"] == {"Ref": _workgroup(platform)}


def _workgroup(platform: dict[str, Any]) -> str:
    (logical_id,) = resources(platform, "AWS::Athena::WorkGroup")
    return str(logical_id)


# --- security and observability ----------------------------------------------------------------
def test_no_wildcard_grants_and_nobody_puts_events_from_the_platform_stack(
    platform: dict[str, Any],
) -> None:
    assert wildcard_problems(platform) == []
    assert put_events_sources(platform) == []  # the bus policy is a resource policy


def test_alarms_watch_dead_letters_and_the_stream_s_iterator_age(platform: dict[str, Any]) -> None:
    alarms = list(resources(platform, "AWS::CloudWatch::Alarm").values())
    by_metric = {a["MetricName"]: a for a in alarms}
    assert by_metric["GetRecords.IteratorAgeMilliseconds"]["Threshold"] == 60_000
    assert "ApproximateNumberOfMessagesVisible" in by_metric
    (topic,) = resources(platform, "AWS::SNS::Topic").values()
    assert topic["TopicName"] == ALARM_TOPIC_NAME
    assert "KmsMasterKeyId" in topic


def test_stream_consumers_find_each_stream_s_key_in_the_parameter_they_read(
    platform: dict[str, Any],
) -> None:
    parameters = {
        p["Name"]: p["Value"] for p in resources(platform, "AWS::SSM::Parameter").values()
    }
    (key,) = [
        logical_id
        for logical_id, k in resources(platform, "AWS::KMS::Key").items()
        if "analytics stream" in k["Description"]
    ]
    for stream in MANIFEST_SPEC.streams:
        assert parameters[stream_key_parameter(stream.name)] == {"Fn::GetAtt": [key, "Arn"]}
    (kinesis,) = resources(platform, "AWS::Kinesis::Stream").values()
    assert kinesis["StreamEncryption"]["KeyId"] == {"Fn::GetAtt": [key, "Arn"]}


def test_the_dashboard_shows_every_asked_for_view(platform: dict[str, Any]) -> None:
    (dashboard,) = resources(platform, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["DashboardBody"])
    for title in (
        "Orders per minute",
        "Saga outcomes",
        "Saga latency",
        "Dead-letter queue depths",
        "Lambda errors",
        "Lambda duration",
        "Lambda throttles",
        "iterator age",
        "circuit breaker",
        "Analytics: events counted",
        "KPI windows finalised",
        "Stream consumer lag",
    ):
        assert title in body, title


def _emitted(service: str) -> set[str]:
    """The metric names the service's code adds with powertools (``add_metric(name=...)``)."""
    names = set()
    for path in (ROOT / "services" / service / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_metric":
                names |= {
                    k.value.value
                    for k in node.keywords
                    if k.arg == "name" and isinstance(k.value, ast.Constant)
                }
    return names


def test_every_service_metric_on_the_dashboard_is_one_the_service_emits(
    platform: dict[str, Any],
) -> None:
    (dashboard,) = resources(platform, "AWS::CloudWatch::Dashboard").values()
    body = "".join(p for p in dashboard["DashboardBody"]["Fn::Join"][1] if isinstance(p, str))
    graphed = set(re.findall(r'\["ordermesh","(\w+)","service","(\w+)"', body))
    assert {service for _, service in graphed} == {"order", "payment", "analytics"}
    assert {
        "EventsCounted",
        "DuplicateEvents",
        "LateEvents",
        "UnreadableRecords",
        "WindowsFinalised",
    } <= {name for name, service in graphed if service == "analytics"}
    for name, service in graphed:
        assert name in _emitted(service), f"{service} emits no metric {name}"


# --- the saga ----------------------------------------------------------------------------------
class TestSagaStack(ServiceStackTests):
    @pytest.fixture(scope="class")
    @classmethod
    def stack(cls) -> ServiceStack:
        return SagaStack(cdk.App(), "Saga", code=code())

    def test_the_state_machine_is_the_asl_file_with_its_substitutions(
        self, raw: dict[str, Any]
    ) -> None:
        (machine,) = resources(raw, "AWS::StepFunctions::StateMachine").values()
        (spec,) = MANIFEST_SPEC.state_machines
        definition = spec.definition_path(MANIFEST).read_text(encoding="utf-8")
        assert machine["DefinitionString"] == definition
        assert machine["DefinitionSubstitutions"] == {
            name: str(value) for name, value in spec.substitutions.items()
        }
        assert machine["StateMachineName"] == SAGA_STATE_MACHINE_NAME
        assert machine["LoggingConfiguration"]["Level"] == "ALL"
        assert machine["TracingConfiguration"] == {"Enabled": True}

    def test_only_the_state_machine_puts_events_with_the_saga_s_source(
        self, raw: dict[str, Any]
    ) -> None:
        assert put_events_sources(raw) == [["ordermesh.saga"]]
        functions = resources(raw, "AWS::Lambda::Function")
        for function in functions.values():
            assert "ORDER_SAGA_ARN" in function["Environment"]["Variables"]
        actions = {a for s in statements(raw) for a in _listed(s["Action"])}
        assert {
            "states:StartExecution",
            "states:SendTaskSuccess",
            "states:SendTaskFailure",
        } <= actions

    def test_the_saga_failure_rate_raises_an_alarm(self, raw: dict[str, Any]) -> None:
        rates = [
            a
            for a in resources(raw, "AWS::CloudWatch::Alarm").values()
            if "Metrics" in a and "ExecutionsFailed" in json.dumps(a["Metrics"])
        ]
        assert len(rates) == 1
        assert rates[0]["Threshold"] == 10

    @pytest.fixture(scope="class")
    @classmethod
    def unit(cls, raw: dict[str, Any], platform: dict[str, Any]) -> CatalogUnit:
        # the platform's manifest is split over the app's two stacks; the catalog lists it all
        return CatalogUnit(MANIFEST_SPEC, (platform, raw))

    def test_the_stream_rule_stays_with_the_platform_stack(self) -> None:
        assert [r.name for r in saga_manifest(MANIFEST_SPEC).rules] == ["saga-replies"]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_app_synthesizes_both_stacks_with_cdk_nag_and_passes_cfn_lint(tmp_path: Path) -> None:
    assembly = build_app(outdir=str(tmp_path)).synth()
    assert sorted(s.stack_name for s in assembly.stacks) == ["OrdermeshPlatform", "OrdermeshSaga"]
    for stack in assembly.stacks:
        assert cfn_lint_errors(tmp_path / f"{stack.stack_name}.template.json") == []
