"""The platform CDK app: ``python app.py`` (or ``cdk synth``) writes cdk.out, checked by cdk-nag
(AwsSolutions and Serverless packs, as every app).

Two stacks: ``OrdermeshPlatform`` (the bus, the schema registry, the analytics stream, the data
lake, the alarm topic and the dashboard) and ``OrdermeshSaga`` (the order saga's state machine,
its functions and its API), which deploys after it and finds the bus by name.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from infra.saga import SagaStack
from infra.stack import PlatformStack
from ordermesh_cdk.app import checked_app
from ordermesh_cdk.function import package_code


def code() -> lambda_.Code:
    return package_code("ordermesh-platform")


def build_app(outdir: str | None = None) -> cdk.App:
    app = checked_app(outdir)
    platform = PlatformStack(
        app, "OrdermeshPlatform", description="ordermesh platform: shared infrastructure"
    )
    saga = SagaStack(app, "OrdermeshSaga", code=code(), description="ordermesh order saga")
    saga.add_stack_dependency(platform, "the saga's rules and state machine use the platform's bus")
    return app


if __name__ == "__main__":
    build_app().synth()
