"""boto3 clients for the runtime's AWS endpoint on loopback (the SNS tests' fixtures, in
``conftest.py``, serve it)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

QUEUES = ("alerts", "on-call")  # the queues the SNS endpoint's fixture creates


def aws_client(url: str, service: str = "sns") -> Any:
    """A boto3 client of ``service`` for the endpoint at ``url``, without retries."""
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1}),
    )
