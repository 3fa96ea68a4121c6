"""Stream consumers from a manifest's ``[[stream_consumers]]``: a Lambda function reading a stream
of the platform's through a Kinesis event source mapping with the manifest's settings (batch
size, batching window, starting position, bisect on error, retries, ``ReportBatchItemFailures``)
and an on-failure destination, a queue that keeps the shard and sequence numbers of every batch
discarded after its retries.

The platform owns the streams, so a service finds its stream by name, as it finds the bus: the
stream's ARN is built from its name in the stack's account and region, and the ARN of the KMS
key the stream is encrypted with, which no name determines, is read at deployment from the SSM
parameter the platform publishes (``stream_key_parameter``). The function may decrypt with
that key only.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct
from ordermesh_contracts.manifest import StreamConsumer
from ordermesh_contracts.resources import pascal

from ordermesh_cdk.app import acknowledge

PLATFORM_PARAMETERS = "/ordermesh/platform"
# A consumer's oldest unprocessed record older than a minute, three minutes running, raises an
# alarm: the analytics service promises its KPIs within a minute.
ITERATOR_AGE_LIMIT_MS = 60_000
ITERATOR_AGE_PERIODS = 3


def stream_key_parameter(stream: str) -> str:
    """The SSM parameter holding the ARN of the KMS key that encrypts the platform's ``stream``."""
    return f"{PLATFORM_PARAMETERS}/stream-key-arn/{stream}"


def stream_arn(scope: Construct, stream: str) -> str:
    """The ARN of the stream named ``stream`` in the stack's account and region."""
    return Stack.of(scope).format_arn(service="kinesis", resource="stream", resource_name=stream)


def platform_stream(scope: Construct, stream: str) -> kinesis.IStream:
    """The platform's stream ``stream``, by name, with its key (from the platform's parameter)."""
    construct_id = pascal(stream) + "Stream"
    key_arn = ssm.StringParameter.value_for_string_parameter(scope, stream_key_parameter(stream))
    return kinesis.Stream.from_stream_attributes(
        scope,
        construct_id,
        stream_arn=stream_arn(scope, stream),
        encryption_key=kms.Key.from_key_arn(scope, construct_id + "Key", key_arn),
    )


def on_failure_name(service: str, spec: StreamConsumer) -> str:
    """The on-failure queue's name: the manifest's, else ``<service>-<consumer>-dlq`` (as the
    local runtime names it)."""
    return spec.on_failure or f"{service}-{spec.name}-dlq"


def kinesis_source(
    spec: StreamConsumer, stream: kinesis.IStream, on_failure: sqs.IQueue
) -> sources.KinesisEventSource:
    """The event source mapping of ``spec`` on ``stream``; discarded batches go to
    ``on_failure``. (CDK grants the function reading the stream and decrypting with its key,
    and sending to the queue.)"""
    return sources.KinesisEventSource(
        stream,
        starting_position=lambda_.StartingPosition(spec.starting_position),
        batch_size=spec.batch_size,
        max_batching_window=(
            Duration.seconds(spec.batching_window) if spec.batching_window else None
        ),
        bisect_batch_on_error=spec.bisect_batch_on_function_error,
        retry_attempts=spec.max_retry_attempts,
        report_batch_item_failures=spec.report_batch_item_failures,
        on_failure=sources.SqsDlq(on_failure),
    )


def acknowledge_consumer(function: lambda_.IFunction) -> None:
    """The nag findings a stream consumer's function raises and why they are acceptable."""
    acknowledge(
        function,
        {
            "Serverless-LambdaDLQ": (
                "the event source mapping invokes the function synchronously; batches it "
                "discards after its retries go to the mapping's on-failure queue (alarmed)"
            ),
        },
    )
