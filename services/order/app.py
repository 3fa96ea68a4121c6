"""The order service's CDK app: ``python app.py`` (or ``cdk synth``) writes cdk.out, checked by
cdk-nag."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from infra.stack import order_stack
from ordermesh_cdk.app import checked_app
from ordermesh_cdk.function import ROOT, package_code


def code() -> lambda_.Code:
    """The service's package with the product catalog the API checks SKUs against."""
    return package_code(
        "ordermesh-order-service",
        extra={"catalog/products.json": ROOT / "catalog" / "products.json"},
    )


def build_app(outdir: str | None = None) -> cdk.App:
    app = checked_app(outdir)
    order_stack(app, "OrdermeshOrder", code=code(), description="ordermesh order service")
    return app


if __name__ == "__main__":
    build_app().synth()
