"""The platform CDK app: ``python app.py`` (or ``cdk synth``) writes cdk.out, checked by cdk-nag
(AwsSolutions and Serverless packs, as every app)."""

from __future__ import annotations

import aws_cdk as cdk
from infra.stack import PlatformStack
from ordermesh_cdk.app import checked_app


def build_app(outdir: str | None = None) -> cdk.App:
    app = checked_app(outdir)
    PlatformStack(app, "OrdermeshPlatform", description="ordermesh platform: shared infrastructure")
    return app


if __name__ == "__main__":
    build_app().synth()
