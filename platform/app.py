"""The platform CDK app: ``python app.py`` (or ``cdk synth``) writes cdk.out, checked by cdk-nag."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from infra.stack import PlatformStack


def build_app(outdir: str | None = None) -> cdk.App:
    app = cdk.App(outdir=outdir or "cdk.out")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    PlatformStack(app, "OrdermeshPlatform", description="ordermesh platform: shared infrastructure")
    return app


if __name__ == "__main__":
    build_app().synth()
