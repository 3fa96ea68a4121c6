"""The schema registry construct: one JSONSchemaDraft4 schema per contract version, nag-clean."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks
from infra.schema_registry import schema_name
from infra.stack import PlatformStack
from ordermesh_contracts.catalog import load_catalog


@pytest.fixture(scope="module")
def template() -> Template:
    app = cdk.App()
    return Template.from_stack(PlatformStack(app, "Platform"))


def test_one_registry_and_one_schema_per_contract_version(template: Template) -> None:
    catalog = load_catalog()
    template.resource_count_is("AWS::EventSchemas::Registry", 1)
    template.has_resource_properties("AWS::EventSchemas::Registry", {"RegistryName": "ordermesh"})
    template.resource_count_is("AWS::EventSchemas::Schema", len(catalog.contracts))
    for key in catalog.contracts:
        template.has_resource_properties(
            "AWS::EventSchemas::Schema",
            {
                "SchemaName": schema_name(key),
                "Type": "JSONSchemaDraft4",
                "RegistryName": {
                    "Fn::GetAtt": [Match.string_like_regexp("SchemasRegistry"), "RegistryName"]
                },
            },
        )


def test_schema_content_is_self_contained_and_is_the_bundled_contract(template: Template) -> None:
    catalog = load_catalog()
    schemas = template.find_resources("AWS::EventSchemas::Schema")
    by_name = {
        s["Properties"]["SchemaName"]: json.loads(s["Properties"]["Content"])
        for s in schemas.values()
    }
    for key, contract in catalog.contracts.items():
        content = by_name[schema_name(key)]
        assert content == contract.bundled
        assert "common.json" not in json.dumps(content)
        assert len(json.dumps(content)) < 100_000  # the registry's Content limit


def test_cfn_lint_is_active_a_broken_template_is_reported(tmp_path: Path) -> None:
    from cfnlint.api import ManualArgs, lint_file

    broken = tmp_path / "broken.json"
    resource = {"Type": "AWS::EventSchemas::Schema", "Properties": {"Type": "JSONSchemaDraft4"}}
    broken.write_text(json.dumps({"Resources": {"Schema": resource}}))
    findings = lint_file(broken, ManualArgs(regions=["eu-west-1"]))
    assert any("RegistryName" in str(f) for f in findings)


def test_cdk_nag_is_active_a_noncompliant_resource_fails_synthesis(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stack = PlatformStack(app, "Platform")
    s3.Bucket(stack, "UnloggedBucket")  # no access logs, no SSL enforcement: AwsSolutions-S1/S10
    with pytest.raises(RuntimeError, match=r"AwsSolutions-S1\b(.|\n)*AwsSolutions-S10"):
        app.synth()
