"""A service's HTTP API: API Gateway HTTP API (payload format 2.0, as the local runtime calls the
handler), every route behind IAM authorization, throttled, with JSON access logs."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from ordermesh_cdk.function import LOG_RETENTION

THROTTLE_RATE = 100  # requests per second, steady
THROTTLE_BURST = 200
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "user": "$context.identity.user",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "integrationError": "$context.integrationErrorMessage",
    "latency": "$context.responseLatency",
}


class ServiceHttpApi(Construct):
    """``api``: the routes (``"POST /orders"``) of one service, all served by ``function``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service: str,
        routes: Sequence[str],
        function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigw.HttpApi(
            self,
            "Api",
            api_name=f"ordermesh-{service}",
            description=f"ordermesh {service} service",
            create_default_stage=False,
            default_authorizer=authorizers.HttpIamAuthorizer(),
        )
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self.stage = apigw.HttpStage(
            self,
            "Stage",
            http_api=self.api,
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(rate_limit=THROTTLE_RATE, burst_limit=THROTTLE_BURST),
        )
        stage = self.stage.node.default_child
        assert isinstance(stage, apigw.CfnStage)  # noqa: S101 - CDK's own child, always a CfnStage
        stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_logs.log_group_arn,
            format=json.dumps(ACCESS_LOG_FORMAT),
        )
        integration = integrations.HttpLambdaIntegration(
            "Handler", function, payload_format_version=apigw.PayloadFormatVersion.VERSION_2_0
        )
        for route in routes:
            method, _, path = route.partition(" ")
            self.api.add_routes(
                path=path, methods=[apigw.HttpMethod(method)], integration=integration
            )
