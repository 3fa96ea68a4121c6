"""A CDK app with the security baselines attached: cdk-nag's AwsSolutions and Serverless packs
run on every construct at synthesis, and an unacknowledged finding makes ``synth()`` raise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from constructs import IConstruct

DEFAULT_BUS_NAME = "ordermesh"


def checked_app(outdir: str | None = None, context: Mapping[str, Any] | None = None) -> cdk.App:
    """An app (writing to ``outdir``, default ``cdk.out``) checked by both nag packs."""
    app = cdk.App(outdir=outdir or "cdk.out", context=dict(context or {}))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    return app


def acknowledge(construct: IConstruct, findings: Mapping[str, str]) -> None:
    """Acknowledge nag ``findings`` on ``construct`` and everything under it: rule id (or
    ``RuleId[FindingId]`` for one finding of a rule that reports several) -> why it is
    acceptable. Every acknowledgement needs a reason."""
    for rule, reason in findings.items():
        if len(reason.strip()) < 10:  # noqa: PLR2004 - a reason, not a placeholder
            raise ValueError(f"acknowledging {rule} needs a reason")
    cdk.Validations.of(construct).acknowledge(
        *(cdk.Acknowledgment(id=rule, reason=reason) for rule, reason in findings.items())
    )
