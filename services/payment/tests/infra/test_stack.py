"""The payment service's stack: given its manifest, when synthesized, then it passes the
assertions every service stack passes, its consumers read the provider's key from its secret
and the provider's URL from SSM, and the app synthesizes with cdk-nag and passes cfn-lint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from app import build_app, code
from infra.stack import PROVIDER_URL_PARAMETER, payment_stack
from ordermesh_cdk.assertions import statements
from ordermesh_cdk.service import ServiceStack
from ordermesh_cdk.synth import cfn_lint_errors
from ordermesh_cdk.testing import ServiceStackTests, resources


class TestPaymentStack(ServiceStackTests):
    @pytest.fixture(scope="class")
    @classmethod
    def stack(cls) -> ServiceStack:
        return payment_stack(cdk.App(), "Payment", code=code())

    def test_it_holds_two_rules_two_consumers_and_no_http_api(self, raw: dict[str, Any]) -> None:
        assert len(resources(raw, "AWS::Events::Rule")) == 2
        assert len(resources(raw, "AWS::Lambda::Function")) == 2
        assert resources(raw, "AWS::ApiGatewayV2::Api") == {}

    def test_consumers_read_the_provider_key_from_the_secret_and_the_url_from_ssm(
        self, raw: dict[str, Any]
    ) -> None:
        (secret_id,) = resources(raw, "AWS::SecretsManager::Secret")
        (parameter,) = [
            name
            for name, p in raw["Parameters"].items()
            if p.get("Default") == PROVIDER_URL_PARAMETER
        ]
        assert raw["Parameters"][parameter]["Type"] == "AWS::SSM::Parameter::Value<String>"
        for function in resources(raw, "AWS::Lambda::Function").values():
            variables = function["Environment"]["Variables"]
            assert variables["PROVIDER_SECRET_ID"] == {"Ref": secret_id}
            assert variables["PROVIDER_URL"] == {"Ref": parameter}
        reads = [s for s in statements(raw) if "secretsmanager:GetSecretValue" in s["Action"]]
        assert len(reads) == 2  # each consumer's role
        assert all(s["Resource"] == {"Ref": secret_id} for s in reads)


def test_the_app_synthesizes_with_cdk_nag_and_passes_cfn_lint(tmp_path: Path) -> None:
    assembly = build_app(outdir=str(tmp_path)).synth()
    assert [s.stack_name for s in assembly.stacks] == ["OrdermeshPayment"]
    assert cfn_lint_errors(tmp_path / "OrdermeshPayment.template.json") == []
