"""The order service's stack: given its manifest, when synthesized, then it has one rule per
subscription with the local runtime's pattern, queues with dead-letter queues, the HTTP API
behind IAM, the table its adapter creates, and events put with the service's source only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from app import build_app, code
from aws_cdk.assertions import Match, Template
from infra.stack import HERE, order_stack
from order_service.adapters.dynamodb import TABLE
from ordermesh_cdk.assertions import put_events_sources, wildcard_problems
from ordermesh_cdk.synth import cfn_lint_errors
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.manifest import load_manifest
from ordermesh_contracts.routing import subscription_pattern

MANIFEST = load_manifest(HERE / "service.toml")


@pytest.fixture(scope="module")
def template() -> Template:
    return Template.from_stack(order_stack(cdk.App(), "Order", code=code()))


@pytest.fixture(scope="module")
def raw(template: Template) -> dict[str, Any]:
    return template.to_json()  # type: ignore[no-any-return]


def test_one_rule_per_subscription_with_the_pattern_the_local_bus_uses(
    raw: dict[str, Any],
) -> None:
    catalog = load_catalog()
    rules = [r["Properties"] for r in raw["Resources"].values() if r["Type"] == "AWS::Events::Rule"]
    assert len(rules) == len(MANIFEST.subscriptions) == 4
    patterns = sorted(json.dumps(r["EventPattern"], sort_keys=True) for r in rules)
    expected = sorted(
        json.dumps(subscription_pattern(catalog, s), sort_keys=True) for s in MANIFEST.subscriptions
    )
    assert patterns == expected
    assert {r["EventBusName"] for r in rules} == {"ordermesh"}  # the shared bus, by name
    for rule in rules:
        (target,) = rule["Targets"]
        assert "DeadLetterConfig" in target  # undeliverable events are kept
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == 185


def test_every_queue_is_encrypted_and_has_a_dead_letter_queue(raw: dict[str, Any]) -> None:
    queues = {
        k: r["Properties"] for k, r in raw["Resources"].items() if r["Type"] == "AWS::SQS::Queue"
    }
    work = {k: q for k, q in queues.items() if "RedrivePolicy" in q}
    assert len(work) == 4  # one per subscription
    assert len(queues) == 4 + 4 + 1  # their dead-letter queues and the delivery one
    for queue in queues.values():
        assert queue["SqsManagedSseEnabled"] is True
    for queue in work.values():
        assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
        assert queue["VisibilityTimeout"] == 30
    policies = [r for r in raw["Resources"].values() if r["Type"] == "AWS::SQS::QueuePolicy"]
    denies_plain_http = [
        s
        for p in policies
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(denies_plain_http) == len(queues)


def test_consumers_report_partial_batch_failures(template: Template) -> None:
    template.resource_count_is("AWS::Lambda::EventSourceMapping", 4)
    template.all_resources_properties(
        "AWS::Lambda::EventSourceMapping",
        {"FunctionResponseTypes": ["ReportBatchItemFailures"], "BatchSize": 10},
    )


def test_functions_are_python312_on_arm64_traced_with_their_tables_name(
    template: Template,
) -> None:
    template.resource_count_is("AWS::Lambda::Function", 5)  # four consumers and the API
    template.all_resources_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.12",
            "Architectures": ["arm64"],
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": Match.object_like({"LogFormat": "JSON"}),
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "EVENT_BUS_NAME": "ordermesh",
                        "ORDERS_TABLE": {"Ref": Match.string_like_regexp("OrdersTable")},
                        "CATALOG_PATH": "catalog/products.json",
                        "POWERTOOLS_SERVICE_NAME": "order",
                    }
                )
            },
        },
    )


def test_the_table_is_the_one_the_adapter_creates(raw: dict[str, Any]) -> None:
    (table,) = [
        r["Properties"]
        for r in raw["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::GlobalTable"
    ]
    assert table["KeySchema"] == TABLE["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        TABLE["AttributeDefinitions"], key=str
    )
    indexes = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    for index in TABLE["GlobalSecondaryIndexes"]:
        assert indexes[index["IndexName"]]["KeySchema"] == index["KeySchema"]
        assert indexes[index["IndexName"]]["Projection"] == index["Projection"]
    (replica,) = table["Replicas"]
    assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert replica["DeletionProtectionEnabled"] is True


def test_events_are_put_with_the_service_s_own_source_only(raw: dict[str, Any]) -> None:
    sources = put_events_sources(raw)
    assert len(sources) == 5  # every function's role
    assert all(s == ["ordermesh.order"] for s in sources)
    assert wildcard_problems(raw) == []


def test_the_http_api_serves_the_manifest_s_routes_behind_iam(
    template: Template, raw: dict[str, Any]
) -> None:
    assert MANIFEST.http is not None
    routes = [
        r["Properties"]
        for r in raw["Resources"].values()
        if r["Type"] == "AWS::ApiGatewayV2::Route"
    ]
    assert sorted(r["RouteKey"] for r in routes) == sorted(MANIFEST.http.routes)
    assert {r["AuthorizationType"] for r in routes} == {"AWS_IAM"}
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "DefaultRouteSettings": {"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200},
            "AccessLogSettings": Match.object_like({"DestinationArn": Match.any_value()}),
        },
    )
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Integration", {"PayloadFormatVersion": "2.0"}
    )


def test_the_app_synthesizes_with_cdk_nag_and_passes_cfn_lint(tmp_path: Path) -> None:
    assembly = build_app(outdir=str(tmp_path)).synth()
    assert [s.stack_name for s in assembly.stacks] == ["OrdermeshOrder"]
    assert cfn_lint_errors(tmp_path / "OrdermeshOrder.template.json") == []
