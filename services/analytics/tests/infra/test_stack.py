"""The analytics service's stack: given its manifest, when synthesized, then it passes the
assertions every service stack passes, its stream consumer counts into the KPI table with the
windowing settings the bootstrap reads and only the table actions its adapter calls, and the app
synthesizes with cdk-nag and passes cfn-lint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from analytics_service.adapters.dynamodb import TTL_ATTRIBUTE
from analytics_service.bootstrap import Settings, _optional
from app import build_app, code
from infra.stack import KPI_TABLE_ACTIONS, analytics_stack, windowing_environment
from ordermesh_cdk.assertions import statements
from ordermesh_cdk.service import ServiceStack
from ordermesh_cdk.synth import cfn_lint_errors
from ordermesh_cdk.testing import ServiceStackTests, resources


class TestAnalyticsStack(ServiceStackTests):
    @pytest.fixture(scope="class")
    @classmethod
    def stack(cls) -> ServiceStack:
        return analytics_stack(cdk.App(), "Analytics", code=code())

    def test_the_kpis_consumer_reads_the_analytics_stream(self, stack: ServiceStack) -> None:
        (consumer,) = stack.props.manifest.stream_consumers
        assert consumer.stream == "ordermesh-analytics"
        assert "analytics-kpis" in stack.functions

    def test_the_kpi_table_expires_counted_events_and_sagas(self, raw: dict[str, Any]) -> None:
        (table,) = resources(raw, "AWS::DynamoDB::GlobalTable").values()
        assert table["TimeToLiveSpecification"] == {
            "AttributeName": TTL_ATTRIBUTE,
            "Enabled": True,
        }
        assert table["BillingMode"] == "PAY_PER_REQUEST"

    def test_functions_run_with_the_windowing_settings_the_bootstrap_reads(
        self, raw: dict[str, Any]
    ) -> None:
        for function in resources(raw, "AWS::Lambda::Function").values():
            variables = function["Environment"]["Variables"]
            read = Settings(
                event_bus_name="ordermesh",
                kpi_table="kpis",
                **_optional(variables),  # type: ignore[arg-type]
            )
            assert read.windows() == Settings(event_bus_name="ordermesh").windows()
            assert set(windowing_environment()) <= set(variables)

    def test_the_consumer_is_not_told_a_shard_count(self, raw: dict[str, Any]) -> None:
        # The platform's analytics stream is on-demand (platform/infra/stack.py): its shards
        # split and merge, so no count holds. Without STREAM_SHARDS the consumer's first batch
        # holds the windows for the shards it has not seen yet (OTHER_SHARDS).
        for function in resources(raw, "AWS::Lambda::Function").values():
            assert "STREAM_SHARDS" not in function["Environment"]["Variables"]

    def test_the_windowing_settings_are_the_ones_given(self) -> None:
        given = Settings(
            event_bus_name="ordermesh",
            allowed_lateness_seconds=300,
            idle_shard_seconds=90.5,
            held_shard_seconds=600,
            max_dimension_values=40,
        )
        assert windowing_environment(given) == {
            "ALLOWED_LATENESS_SECONDS": "300",
            "IDLE_SHARD_SECONDS": "90.5",
            "HELD_SHARD_SECONDS": "600",
            "MAX_DIMENSION_VALUES": "40",
        }

    def test_functions_get_the_kpi_table_actions_only_on_the_kpi_table(
        self, raw: dict[str, Any]
    ) -> None:
        (table,) = resources(raw, "AWS::DynamoDB::GlobalTable")
        granted = [
            s for s in statements(raw) if any(str(a).startswith("dynamodb:") for a in s["Action"])
        ]
        assert len(granted) == len(resources(raw, "AWS::Lambda::Function"))
        for statement in granted:
            assert sorted(statement["Action"]) == sorted(KPI_TABLE_ACTIONS)
            assert statement["Resource"] == {"Fn::GetAtt": [table, "Arn"]}


def test_the_app_synthesizes_with_cdk_nag_and_passes_cfn_lint(tmp_path: Path) -> None:
    assembly = build_app(outdir=str(tmp_path)).synth()
    assert [s.stack_name for s in assembly.stacks] == ["OrdermeshAnalytics"]
    assert cfn_lint_errors(tmp_path / "OrdermeshAnalytics.template.json") == []
