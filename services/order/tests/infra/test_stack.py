"""The order service's stack: given its manifest, when synthesized, then it passes the
assertions every service stack passes, ships the product catalog to its functions, and the app
synthesizes with cdk-nag and passes cfn-lint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from app import build_app, code
from infra.stack import order_stack
from ordermesh_cdk.service import ServiceStack
from ordermesh_cdk.synth import cfn_lint_errors
from ordermesh_cdk.testing import ServiceStackTests, resources


class TestOrderStack(ServiceStackTests):
    @pytest.fixture(scope="class")
    @classmethod
    def stack(cls) -> ServiceStack:
        return order_stack(cdk.App(), "Order", code=code())

    def test_it_holds_four_rules_five_functions_and_one_table(self, raw: dict[str, Any]) -> None:
        assert len(resources(raw, "AWS::Events::Rule")) == 4
        assert len(resources(raw, "AWS::Lambda::Function")) == 5  # four consumers and the API
        assert len(resources(raw, "AWS::DynamoDB::GlobalTable")) == 1

    def test_functions_find_the_catalog_inside_their_package(self, raw: dict[str, Any]) -> None:
        for function in resources(raw, "AWS::Lambda::Function").values():
            assert function["Environment"]["Variables"]["CATALOG_PATH"] == "catalog/products.json"


def test_the_app_synthesizes_with_cdk_nag_and_passes_cfn_lint(tmp_path: Path) -> None:
    assembly = build_app(outdir=str(tmp_path)).synth()
    assert [s.stack_name for s in assembly.stacks] == ["OrdermeshOrder"]
    assert cfn_lint_errors(tmp_path / "OrdermeshOrder.template.json") == []
