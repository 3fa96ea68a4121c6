"""A service's Lambda function: Python 3.12 on arm64, active tracing, JSON logs to its own log
group with a retention, a role of its own that starts with only what logging needs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from ordermesh_cdk.app import acknowledge
from ordermesh_cdk.bundle import lambda_package

ROOT = Path(__file__).resolve().parents[3]

RUNTIME = lambda_.Runtime.PYTHON_3_12
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
XRAY_NEEDS_ANY_RESOURCE = (
    "X-Ray's PutTraceSegments and PutTelemetryRecords take no resource: AWS requires '*'"
)


def package_code(package: str, extra: Mapping[str, Path] | None = None) -> lambda_.Code:
    """The code of the functions of workspace member ``package`` (its project name), built
    without Docker (see ``bundle``), with ``extra`` files (path inside the package -> file)."""
    return lambda_.Code.from_asset(str(lambda_package(ROOT, package, extra=extra)))


class ServiceFunction(Construct):
    """``function`` runs ``handler`` from ``code``; ``role`` is its execution role."""

    def __init__(  # noqa: PLR0913 - keyword-only props, as the construct style asks
        self,
        scope: Construct,
        construct_id: str,
        *,
        service: str,
        handler: str,
        code: lambda_.Code,
        timeout_seconds: int,
        memory_mb: int,
        description: str,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self, "Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{service}: {description}"[:1000],
        )
        module, _, attribute = handler.partition(":")
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=f"{module}.{attribute}",
            code=code,
            timeout=Duration.seconds(timeout_seconds),
            memory_size=memory_mb,
            description=description[:256],
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            environment={
                "POWERTOOLS_SERVICE_NAME": service,
                "POWERTOOLS_METRICS_NAMESPACE": "ordermesh",
                **environment,
            },
        )
        self.log_group.grant_write(self.role)
        acknowledge(self.role, {"AwsSolutions-IAM5[Resource::*]": XRAY_NEEDS_ANY_RESOURCE})
        acknowledge(
            self.function,
            {
                "AwsSolutions-L1": (
                    "python3.12 is the runtime the services are built and tested for (the code "
                    "also runs on 3.13); a runtime upgrade is its own change"
                ),
                "Serverless-LambdaLatestVersion": (
                    "python3.12 is the runtime the services are built and tested for"
                ),
            },
        )
