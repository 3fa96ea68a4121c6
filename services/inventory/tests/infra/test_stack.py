"""The inventory service's stack: given its manifest, when synthesized, then it passes the
assertions every service stack passes, keeps idempotency records with a time to live, and the
app synthesizes with cdk-nag and passes cfn-lint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from app import build_app, code
from infra.stack import inventory_stack
from ordermesh_cdk.service import ServiceStack
from ordermesh_cdk.synth import cfn_lint_errors
from ordermesh_cdk.testing import ServiceStackTests, resources


class TestInventoryStack(ServiceStackTests):
    @pytest.fixture(scope="class")
    @classmethod
    def stack(cls) -> ServiceStack:
        return inventory_stack(cdk.App(), "Inventory", code=code())

    def test_it_holds_two_rules_three_functions_and_two_tables(self, raw: dict[str, Any]) -> None:
        assert len(resources(raw, "AWS::Events::Rule")) == 2
        assert len(resources(raw, "AWS::Lambda::Function")) == 3  # two consumers and the API
        assert len(resources(raw, "AWS::DynamoDB::GlobalTable")) == 2

    def test_idempotency_records_expire(self, raw: dict[str, Any]) -> None:
        ttl = [
            t.get("TimeToLiveSpecification")
            for t in resources(raw, "AWS::DynamoDB::GlobalTable").values()
        ]
        assert {"AttributeName": "expiration", "Enabled": True} in ttl


def test_the_app_synthesizes_with_cdk_nag_and_passes_cfn_lint(tmp_path: Path) -> None:
    assembly = build_app(outdir=str(tmp_path)).synth()
    assert [s.stack_name for s in assembly.stacks] == ["OrdermeshInventory"]
    assert cfn_lint_errors(tmp_path / "OrdermeshInventory.template.json") == []
