"""The payment service's stack: its manifest's rules, queues and consumers, its table (payments
and the circuit breaker's state), the idempotency table, and the provider's API key.

The key lives in a Secrets Manager secret the stack creates; operators put the provider's key
in it (the functions re-read it every few minutes, so a new key needs no deploy). The
provider's URL differs per environment: it is read at deploy time from the SSM parameter
``PROVIDER_URL_PARAMETER``, which must exist in the account before the first deploy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from constructs import Construct
from ordermesh_cdk.app import acknowledge
from ordermesh_cdk.service import IDEMPOTENCY_TABLE, ServiceProps, ServiceStack, TableProps
from payment_service.adapters.dynamodb import TABLE

HERE = Path(__file__).resolve().parents[1]
PROVIDER_URL_PARAMETER = "/ordermesh/payment/provider-url"


def payment_stack(
    scope: Construct, construct_id: str, *, code: lambda_.Code, **kwargs: Any
) -> ServiceStack:
    props = ServiceProps.of_folder(
        HERE,
        code=code,
        tables=[TableProps("PAYMENTS_TABLE", TABLE), IDEMPOTENCY_TABLE],
    )
    stack = ServiceStack(scope, construct_id, props=props, **kwargs)
    secret = secretsmanager.Secret(
        stack,
        "ProviderApiKey",
        description="The payment provider's API key (the secret string is the key)",
        removal_policy=RemovalPolicy.RETAIN,
    )
    acknowledge(
        secret,
        {
            "AwsSolutions-SMG4": (
                "the provider issues the key: it is rotated in the provider's console and put "
                "here by an operator; the functions re-read the secret every five minutes"
            )
        },
    )
    stack.add_environment("PROVIDER_SECRET_ID", secret.secret_arn)
    url = ssm.StringParameter.value_for_string_parameter(stack, PROVIDER_URL_PARAMETER)
    stack.add_environment("PROVIDER_URL", url)
    for function in stack.functions.values():
        secret.grant_read(function.role)
    return stack
