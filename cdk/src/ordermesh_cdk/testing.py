"""Assertion tests every service stack passes, written once: a service's test module subclasses
``ServiceStackTests`` and provides the ``stack`` fixture (its ``ServiceStack``).

Each test reads the synthesized template and compares it with the service's manifest: a rule
per subscription with the local runtime's pattern, queues and their dead-letter queues as the
manifest sets them, consumers reporting partial batch failures, stream consumers reading the
platform's stream with the manifest's settings and an alarmed on-failure queue, functions on the
agreed runtime with their tables' names, tables equal to the adapters' layouts (encrypted),
events put with the service's own source only, the HTTP API's routes behind IAM, and the
resources the event catalog lists for the unit, exactly those of their kinds in the template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import CfnElement
from aws_cdk.assertions import Template
from ordermesh_contracts.manifest import ServiceManifest, Target
from ordermesh_contracts.resources import ALARM_TOPIC_NAME, manifest_resources
from ordermesh_contracts.routing import subscription_pattern

from ordermesh_cdk.assertions import (
    catalog_disagreements,
    put_events_sources,
    statements,
    wildcard_problems,
)
from ordermesh_cdk.service import ServiceStack
from ordermesh_cdk.streams import (
    ITERATOR_AGE_LIMIT_MS,
    PLATFORM_PARAMETERS,
    stream_key_parameter,
)


@dataclass(frozen=True)
class CatalogUnit:
    """A unit as the catalog lists its resources: its manifest and its app's templates."""

    manifest: ServiceManifest
    templates: tuple[dict[str, Any], ...]


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Logical id -> properties of every resource of type ``kind``."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _targets(stack: ServiceStack) -> list[Target]:
    """The targets of the stack's rules: its subscriptions' and its other rules'."""
    manifest = stack.props.manifest
    return [s.target for s in manifest.subscriptions] + [r.target for r in manifest.rules]


@dataclass(frozen=True)
class _Unit:
    """A queue or function the stack makes for a rule target or a topic subscription."""

    kind: str  # "queue" or "function"
    consumer: bool = True  # a queue's consumer function
    max_receive_count: int = 0
    visibility_timeout: int = 0
    batch_size: int = 0


def _units(stack: ServiceStack) -> list[_Unit]:
    units = [
        _Unit(
            t.kind,
            consumer=True,
            max_receive_count=t.max_receive_count,
            visibility_timeout=t.visibility_timeout,
            batch_size=t.batch_size,
        )
        for t in _targets(stack)
        if t.kind in ("queue", "function")
    ]
    for topic in stack.props.manifest.topics:
        for sub in topic.subscriptions:
            if sub.protocol == "sqs":
                units.append(
                    _Unit(
                        "queue",
                        consumer=sub.handler is not None,
                        max_receive_count=sub.max_receive_count,
                        visibility_timeout=sub.visibility_timeout,
                        batch_size=sub.batch_size,
                    )
                )
            else:
                units.append(_Unit("function"))
    return units


def _logical_id(stack: ServiceStack, table_environment: str) -> str:
    table = stack.tables[table_environment].node.default_child
    assert isinstance(table, CfnElement)
    return stack.get_logical_id(table)


def _function_id(stack: ServiceStack, name: str) -> str:
    function = stack.functions[name].function.node.default_child
    assert isinstance(function, CfnElement)
    return stack.get_logical_id(function)


class ServiceStackTests:
    """Mixin of the tests every service stack passes (the subclass provides ``stack``)."""

    @pytest.fixture(scope="class")
    @classmethod
    def raw(cls, stack: ServiceStack) -> dict[str, Any]:
        return dict(Template.from_stack(stack).to_json())

    @pytest.fixture(scope="class")
    @classmethod
    def unit(cls, stack: ServiceStack, raw: dict[str, Any]) -> CatalogUnit:
        """The unit's manifest and its app's templates: this stack's (an app of more stacks
        overrides it to add theirs)."""
        return CatalogUnit(stack.props.manifest, (raw,))

    def test_the_catalog_lists_exactly_the_resources_of_its_kinds_the_template_holds(
        self, stack: ServiceStack, unit: CatalogUnit
    ) -> None:
        listed = manifest_resources(unit.manifest, stack.props.catalog)
        missing, unlisted = catalog_disagreements(listed, unit.templates)
        assert missing == [], f"listed by the catalog, in no template: {missing}"
        assert unlisted == [], f"in a template, not listed by the catalog: {unlisted}"

    def test_one_rule_per_subscription_with_the_pattern_the_local_bus_uses(
        self, stack: ServiceStack, raw: dict[str, Any]
    ) -> None:
        manifest = stack.props.manifest
        rules = list(resources(raw, "AWS::Events::Rule").values())
        assert len(rules) == len(manifest.subscriptions) + len(manifest.rules)
        patterns = sorted(json.dumps(r["EventPattern"], sort_keys=True) for r in rules)
        expected = sorted(
            [
                *(
                    json.dumps(subscription_pattern(stack.props.catalog, s), sort_keys=True)
                    for s in manifest.subscriptions
                ),
                *(json.dumps(r.pattern, sort_keys=True) for r in manifest.rules),
            ]
        )
        assert patterns == expected
        assert all(r["EventBusName"] == stack.props.bus_name for r in rules)  # imported by name
        for rule in rules:
            (target,) = rule["Targets"]
            assert "DeadLetterConfig" in target  # undeliverable events are kept
            assert target["RetryPolicy"]["MaximumRetryAttempts"] == 185

    def test_every_queue_is_encrypted_refuses_plain_http_and_has_a_dead_letter_queue(
        self, stack: ServiceStack, raw: dict[str, Any]
    ) -> None:
        units = _units(stack)
        on_queues = [u for u in units if u.kind == "queue"]
        queues = resources(raw, "AWS::SQS::Queue")
        work = [q for q in queues.values() if "RedrivePolicy" in q]
        # each work queue and its dead-letter queue, a dead-letter queue per function (rule
        # target or topic subscription), the one for deliveries EventBridge could not make, one
        # per topic for the deliveries SNS could not make and one per stream consumer for the
        # batches its mapping discards
        assert len(work) == len(on_queues)
        topics = len(stack.props.manifest.topics)
        streamed = len(stack.props.manifest.stream_consumers)
        assert len(queues) == (
            2 * len(on_queues) + (len(units) - len(on_queues)) + 1 + topics + streamed
        )
        assert all(q["SqsManagedSseEnabled"] is True for q in queues.values())
        assert sorted(
            (q["RedrivePolicy"]["maxReceiveCount"], q["VisibilityTimeout"]) for q in work
        ) == (sorted((t.max_receive_count, t.visibility_timeout) for t in on_queues))
        denies = [
            s
            for policy in resources(raw, "AWS::SQS::QueuePolicy").values()
            for s in policy["PolicyDocument"]["Statement"]
            if s["Effect"] == "Deny"
            and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert len(denies) == len(queues)

    def test_topics_are_encrypted_tls_only_with_the_manifest_s_subscriptions(
        self, stack: ServiceStack, raw: dict[str, Any]
    ) -> None:
        manifest = stack.props.manifest
        topics = resources(raw, "AWS::SNS::Topic")
        assert sorted(t["TopicName"] for t in topics.values()) == sorted(
            t.name for t in manifest.topics
        )
        assert all("KmsMasterKeyId" in t for t in topics.values())
        denies = [
            s
            for policy in resources(raw, "AWS::SNS::TopicPolicy").values()
            for s in policy["PolicyDocument"]["Statement"]
            if s["Effect"] == "Deny"
            and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert len(denies) == len(topics)
        deployed = sorted(
            (
                s["Protocol"],
                json.dumps(s.get("FilterPolicy"), sort_keys=True),
                s.get("FilterPolicyScope"),
                s.get("RawMessageDelivery"),
            )
            for s in resources(raw, "AWS::SNS::Subscription").values()
        )
        assert all(
            "deadLetterTargetArn" in s["RedrivePolicy"]
            for s in resources(raw, "AWS::SNS::Subscription").values()
        )
        declared = sorted(
            (
                sub.protocol,
                json.dumps(sub.filter_policy, sort_keys=True),
                sub.filter_policy_scope if sub.filter_policy else None,
                sub.raw_message_delivery or None,
            )
            for topic in manifest.topics
            for sub in topic.subscriptions
        )
        assert deployed == declared

    def test_consumers_report_partial_batch_failures(
        self, stack: ServiceStack, raw: dict[str, Any]
    ) -> None:
        consumed = [u for u in _units(stack) if u.kind == "queue" and u.consumer]
        mappings = [
            m
            for m in resources(raw, "AWS::Lambda::EventSourceMapping").values()
            if "StartingPosition" not in m  # queues' mappings; streams' are checked below
        ]
        assert sorted(m["BatchSize"] for m in mappings) == sorted(u.batch_size for u in consumed)
        assert all(m["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for m in mappings)

    def test_stream_consumers_read_the_platform_s_stream_with_the_manifest_s_settings(
        self, stack: ServiceStack, raw: dict[str, Any]
    ) -> None:
        specs = stack.props.manifest.stream_consumers
        mappings = {
            m["FunctionName"]["Ref"]: m
            for m in resources(raw, "AWS::Lambda::EventSourceMapping").values()
            if "StartingPosition" in m
        }
        assert len(mappings) == len(specs)
        queues = resources(raw, "AWS::SQS::Queue")
        functions = resources(raw, "AWS::Lambda::Function")
        for spec in specs:
            logical_id = _function_id(stack, f"{stack.service}-{spec.name}")
            mapping, function = mappings[logical_id], functions[logical_id]
            # the stream found by name, in the stack's account and region
            assert f":stream/{spec.stream}" in json.dumps(mapping["EventSourceArn"])
            assert mapping["StartingPosition"] == spec.starting_position
            assert mapping["BatchSize"] == spec.batch_size
            assert mapping.get("MaximumBatchingWindowInSeconds", 0) == spec.batching_window
            assert mapping["BisectBatchOnFunctionError"] is spec.bisect_batch_on_function_error
            assert mapping["MaximumRetryAttempts"] == spec.max_retry_attempts
            assert mapping.get("FunctionResponseTypes", []) == (
                ["ReportBatchItemFailures"] if spec.report_batch_item_failures else []
            )
            destination = mapping["DestinationConfig"]["OnFailure"]["Destination"]
            assert destination["Fn::GetAtt"][0] in queues
            assert function["Timeout"] == spec.timeout
            assert function["MemorySize"] == spec.memory
        keys = {
            p["Default"]
            for p in raw.get("Parameters", {}).values()
            if p["Default"].startswith(PLATFORM_PARAMETERS)
        }
        assert keys == {stream_key_parameter(s.stream) for s in specs}

    def test_stream_consumers_decrypt_with_their_stream_s_key_only(
        self, stack: ServiceStack, raw: dict[str, Any]
    ) -> None:
        decrypts = [s for s in statements(raw) if "kms:Decrypt" in _listed(s["Action"])]
        parameters = {
            logical_id
            for logical_id, p in raw.get("Parameters", {}).items()
            if p["Default"].startswith(stream_key_parameter(""))
        }
        consumers = len(stack.props.manifest.stream_consumers)
        readers = [s for s in decrypts if s["Resource"] in ({"Ref": p} for p in parameters)]
        assert len(readers) == consumers
        reads = [s for s in statements(raw) if "kinesis:GetRecords" in _listed(s["Action"])]
        assert len(reads) == consumers
        assert all(":stream/" in json.dumps(s["Resource"]) for s in reads)

    def test_functions_are_python312_on_arm64_traced_with_json_logs_kept_a_month(
        self, stack: ServiceStack, raw: dict[str, Any]
    ) -> None:
        functions = resources(raw, "AWS::Lambda::Function")
        manifest = stack.props.manifest
        consumers = [u for u in _units(stack) if u.consumer]
        assert len(functions) == (
            len(consumers) + len(manifest.stream_consumers) + (manifest.http is not None)
        )
        for function in functions.values():
            assert function["Runtime"] == "python3.12"
            assert function["Architectures"] == ["arm64"]
            assert function["TracingConfig"] == {"Mode": "Active"}
            assert function["LoggingConfig"]["LogFormat"] == "JSON"
            variables = function["Environment"]["Variables"]
            assert variables["EVENT_BUS_NAME"] == stack.props.bus_name
            assert variables["POWERTOOLS_SERVICE_NAME"] == manifest.service.name
            for table in stack.props.tables:  # each table's name, from the stack's table
                assert variables[table.environment] == {
                    "Ref": _logical_id(stack, table.environment)
                }
        groups = resources(raw, "AWS::Logs::LogGroup")
        assert all(g["RetentionInDays"] == 30 for g in groups.values())

    def test_tables_are_the_adapters_layouts_encrypted_with_point_in_time_recovery(
        self, stack: ServiceStack, raw: dict[str, Any]
    ) -> None:
        tables = resources(raw, "AWS::DynamoDB::GlobalTable")
        assert len(tables) == len(stack.props.tables)
        for props in stack.props.tables:
            table = tables[_logical_id(stack, props.environment)]
            assert table["KeySchema"] == props.layout["KeySchema"]
            assert sorted(table["AttributeDefinitions"], key=str) == sorted(
                props.layout["AttributeDefinitions"], key=str
            )
            indexes = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
            expected = props.layout.get("GlobalSecondaryIndexes", [])
            assert sorted(indexes) == sorted(i["IndexName"] for i in expected)
            for index in expected:
                assert indexes[index["IndexName"]]["KeySchema"] == index["KeySchema"]
                assert indexes[index["IndexName"]]["Projection"] == index["Projection"]
            (replica,) = table["Replicas"]
            assert replica["PointInTimeRecoverySpecification"] == {
                "PointInTimeRecoveryEnabled": True
            }
            assert replica["DeletionProtectionEnabled"] is True
            assert table["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}
            if props.time_to_live_attribute is None:
                assert "TimeToLiveSpecification" not in table
            else:
                assert table["TimeToLiveSpecification"] == {
                    "AttributeName": props.time_to_live_attribute,
                    "Enabled": True,
                }

    def test_events_are_put_with_the_service_s_own_source_only(
        self, stack: ServiceStack, raw: dict[str, Any]
    ) -> None:
        sources = put_events_sources(raw)
        if stack.props.functions_publish:
            assert len(sources) == len(resources(raw, "AWS::Lambda::Function"))  # every role
        assert all(s == [stack.props.manifest.service.source] for s in sources)
        assert wildcard_problems(raw) == []

    def test_the_http_api_serves_the_manifest_s_routes_behind_iam(
        self, stack: ServiceStack, raw: dict[str, Any]
    ) -> None:
        http = stack.props.manifest.http
        routes = list(resources(raw, "AWS::ApiGatewayV2::Route").values())
        if http is None:
            assert routes == []
            return
        assert sorted(r["RouteKey"] for r in routes) == sorted(http.routes)
        assert {r["AuthorizationType"] for r in routes} == {"AWS_IAM"}
        (stage,) = resources(raw, "AWS::ApiGatewayV2::Stage").values()
        assert stage["DefaultRouteSettings"] == {
            "ThrottlingRateLimit": 100,
            "ThrottlingBurstLimit": 200,
        }
        assert "DestinationArn" in stage["AccessLogSettings"]
        (integration,) = resources(raw, "AWS::ApiGatewayV2::Integration").values()
        assert integration["PayloadFormatVersion"] == "2.0"

    def test_dead_letters_function_errors_lag_and_5xx_raise_alarms_to_the_alarm_topic(
        self, stack: ServiceStack, raw: dict[str, Any]
    ) -> None:
        alarms = list(resources(raw, "AWS::CloudWatch::Alarm").values())
        dead_letter_queues = {
            logical_id
            for logical_id, queue in resources(raw, "AWS::SQS::Queue").items()
            if "RedrivePolicy" not in queue
        }
        watched = {
            alarm["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
            for alarm in alarms
            if alarm.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        }
        assert watched == dead_letter_queues
        failing = {
            alarm["Dimensions"][0]["Value"]["Ref"]
            for alarm in alarms
            if alarm.get("Namespace") == "AWS/Lambda" and alarm.get("MetricName") == "Errors"
        }
        assert failing == set(resources(raw, "AWS::Lambda::Function"))
        behind = [a for a in alarms if a.get("MetricName") == "IteratorAge"]
        assert sorted(a["Dimensions"][0]["Value"]["Ref"] for a in behind) == sorted(
            m["FunctionName"]["Ref"]
            for m in resources(raw, "AWS::Lambda::EventSourceMapping").values()
            if "StartingPosition" in m
        )
        assert all(a["Threshold"] == ITERATOR_AGE_LIMIT_MS for a in behind)
        server_errors = [a for a in alarms if a.get("MetricName") == "5xx"]
        assert len(server_errors) == (stack.props.manifest.http is not None)
        for alarm in alarms:
            (action,) = alarm["AlarmActions"]
            assert ALARM_TOPIC_NAME in json.dumps(action)
            assert alarm["OKActions"] == alarm["AlarmActions"]
