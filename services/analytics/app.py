"""The analytics service's CDK app: ``python app.py`` (or ``cdk synth``) writes cdk.out, checked
by cdk-nag."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from infra.stack import analytics_stack
from ordermesh_cdk.app import checked_app
from ordermesh_cdk.function import package_code


def code() -> lambda_.Code:
    return package_code("ordermesh-analytics-service")


def build_app(outdir: str | None = None) -> cdk.App:
    app = checked_app(outdir)
    analytics_stack(
        app, "OrdermeshAnalytics", code=code(), description="ordermesh analytics service"
    )
    return app


if __name__ == "__main__":
    build_app().synth()
