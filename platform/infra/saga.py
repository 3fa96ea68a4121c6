"""The order saga's stack: the state machine from the ASL file the local runtime runs (its
placeholders filled by CloudFormation's ``DefinitionSubstitutions``), and the platform
manifest's functions as a ``ServiceStack`` builds any unit's: the starter on ``OrderPlaced``,
the callback behind the replies' queue, and the saga HTTP API.

The state machine puts the saga's commands on the bus with source ``ordermesh.saga`` only; the
functions publish nothing, so they get no ``events:PutEvents``. The saga's alarms (failure rate)
join the functions', queues' and API's alarms on the platform's topic.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from ordermesh_cdk.app import DEFAULT_BUS_NAME, acknowledge
from ordermesh_cdk.service import ServiceProps, ServiceStack
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.manifest import ServiceManifest, StateMachineSpec, load_manifest

from infra.dashboard import SAGA_STATE_MACHINE_NAME, saga_state_machine_arn
from infra.stack import MANIFEST

FAILURE_RATE_PERCENT = 10  # of the executions that ended in five minutes


def saga_manifest(manifest: ServiceManifest) -> ServiceManifest:
    """The manifest's parts that deploy with the saga: all but the rules feeding streams (the
    platform stack owns the streams)."""
    return manifest.model_copy(
        update={
            "rules": [r for r in manifest.rules if r.target.kind != "stream"],
            "streams": [],
        }
    )


class SagaStack(ServiceStack):
    """The platform manifest's functions, rules and API, and the saga's state machine."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        manifest: ServiceManifest | None = None,
        **kwargs: Any,
    ) -> None:
        manifest = saga_manifest(manifest or load_manifest(MANIFEST))
        props = ServiceProps(
            manifest=manifest, catalog=load_catalog(), code=code, functions_publish=False
        )
        super().__init__(scope, construct_id, props=props, **kwargs)
        (spec,) = manifest.state_machines
        self.state_machine = _state_machine(self, spec, manifest)
        self.add_environment("ORDER_SAGA_ARN", self.state_machine.state_machine_arn)
        self.state_machine.grant_start_execution(self.functions["platform-saga-start"].role)
        self.state_machine.grant_task_response(
            self.functions["platform-saga-replies-consumer"].role
        )
        api = self.functions["platform-api"].role
        api.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["states:StartExecution", "states:ListExecutions"],
                resources=[self.state_machine.state_machine_arn],
            )
        )
        executions = self.format_arn(
            service="states",
            resource="execution",
            resource_name=f"{SAGA_STATE_MACHINE_NAME}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        api.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "states:DescribeExecution",
                    "states:GetExecutionHistory",
                    "states:RedriveExecution",
                ],
                resources=[executions],
            )
        )
        acknowledge(
            api,
            {
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:"
                f"<AWS::AccountId>:execution:{SAGA_STATE_MACHINE_NAME}:*]": (
                    "the API reads and redrives any execution of the saga's state machine; "
                    "execution ARNs end in their names, which the orders choose"
                ),
            },
        )
        _alarms(self)


def _state_machine(
    stack: ServiceStack, spec: StateMachineSpec, manifest: ServiceManifest
) -> sfn.StateMachine:
    definition = spec.definition_path(manifest.path).read_text(encoding="utf-8")
    log_group = logs.LogGroup(
        stack,
        "SagaLogs",
        retention=logs.RetentionDays.ONE_MONTH,
        removal_policy=RemovalPolicy.DESTROY,
    )
    machine = sfn.StateMachine(
        stack,
        "OrderSaga",
        state_machine_name=SAGA_STATE_MACHINE_NAME,
        state_machine_type=sfn.StateMachineType[spec.type],
        definition_body=sfn.DefinitionBody.from_string(definition),
        definition_substitutions={
            name: str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in spec.substitutions.items()
        },
        logs=sfn.LogOptions(
            destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True
        ),
        tracing_enabled=True,
        comment=spec.description or None,
    )
    bus_name = str(spec.substitutions.get("EventBusName", DEFAULT_BUS_NAME))
    machine.add_to_role_policy(
        iam.PolicyStatement(
            actions=["events:PutEvents"],
            resources=[
                stack.format_arn(service="events", resource="event-bus", resource_name=bus_name)
            ],
            conditions={"StringEquals": {"events:source": [manifest.service.source]}},
        )
    )
    acknowledge(
        machine,
        {
            "AwsSolutions-IAM5[Resource::*]": (
                "CloudWatch Logs delivery actions and X-Ray trace upload take no resource: "
                "AWS requires '*' for them"
            ),
        },
    )
    return machine


def _alarms(stack: SagaStack) -> None:
    arn = saga_state_machine_arn(stack)

    def metric(name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/States",
            metric_name=name,
            dimensions_map={"StateMachineArn": arn},
            statistic="Sum",
            period=Duration.minutes(5),
        )

    rate = cloudwatch.MathExpression(
        expression="IF((ok + failed + timedout + aborted) > 0, "
        "100 * (failed + timedout + aborted) / (ok + failed + timedout + aborted), 0)",
        using_metrics={
            "ok": metric("ExecutionsSucceeded"),
            "failed": metric("ExecutionsFailed"),
            "timedout": metric("ExecutionsTimedOut"),
            "aborted": metric("ExecutionsAborted"),
        },
        label="saga failure rate (%)",
        period=Duration.minutes(5),
    )
    stack.alarms.at_least(
        "SagaFailureRate",
        rate,
        f"order saga: more than {FAILURE_RATE_PERCENT}% of executions failed, timed out or "
        "were aborted in five minutes",
        threshold=FAILURE_RATE_PERCENT,
        evaluation_periods=2,
    )
